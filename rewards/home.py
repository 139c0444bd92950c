"""Home-page panels of this part of the product (see core.home): splits waiting for this person, and their parts."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest

from core.access import Scope
from core.home import Panel

from . import selectors
from .rules import money


def panels(*, request: HttpRequest, scope: Scope, today: dt.date) -> list[Panel]:
    """Work waiting for the director/head (split), operations (review) or HR (file), and this year's own parts.

    A fixed number of queries: one for a person without a director/head role today (their parts); a director or head
    adds their director/head assignments and one count; operations and HR one count. (A former director still finds
    what they must split for past quarters on the rewards page.)
    """
    if not scope.is_assessed and not scope.sees_all:
        return []
    leads_now = scope.follows_units
    spans = selectors.lead_spans(person=scope.person) if leads_now else []
    pending = selectors.pending_counts(scope=scope, spans=spans)
    parts = selectors.my_parts(scope=scope, year=today.year)
    if not any(pending.values()) and not parts:
        return []
    total = sum(p.part.amount for p in parts)
    context = {"pending": pending, "parts": parts[:3], "parts_count": len(parts), "total": money(total), "year": today.year}
    return [Panel(template="rewards/home_panel.html", context=context, order=40)]
