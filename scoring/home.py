"""Home-page panel of the scoring app (see core.home): the person's units with this year's grades, their
appraisal cap and any at-risk warning (R11); for HR and operations the year's caps at a glance; for operations the
quarter waiting to be published (R9). A fixed number of queries."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest

from core.access import Scope
from core.dates import Quarter
from core.home import Panel
from core.publication import quarter_is_published

from . import selectors


def panels(*, request: HttpRequest, scope: Scope, today: dt.date) -> list[Panel]:
    mine = selectors.my_units(scope=scope, today=today)
    context: dict = {"mine": mine, "year": today.year}
    if scope.sees_all:
        caps = selectors.caps_for_year(year=today.year)
        context["caps"] = {"people": len(caps.people), "at_risk": len(caps.at_risk)}
    if scope.can_operate:
        last = Quarter.of(today).previous()
        if not quarter_is_published(last):
            context["pending"] = last
            context["overdue"] = today > last.publication_date
    if not mine.units and "caps" not in context and "pending" not in context:
        return []
    return [Panel(template="scoring/home_panel.html", context=context, order=30)]
