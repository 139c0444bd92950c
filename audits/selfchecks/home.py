"""Home-page panels of the monthly self-check (see core.home). A fixed number of queries per panel."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest

from audits.selfchecks.selectors import cell_month_statuses, lead_checklists
from core import dates
from core.access import Scope
from core.home import Panel

TEMPLATE = "audits/home_selfchecks.html"


def panels(*, request: HttpRequest, scope: Scope, today: dt.date) -> list[Panel]:
    """A lead: this month's checklists with progress and a link. A director, a head, operations and HR: a status summary."""
    result: list[Panel] = []
    month = (today.year, today.month)
    common = {"label": dates.month_label(*month), "due": dates.due_date(*month), "month_text": f"{month[0]}-{month[1]:02d}"}
    if scope.leads_cells:
        result.append(Panel(TEMPLATE, {**common, "kind": "lead", "rows": lead_checklists(scope=scope, today=today)}, order=10))
    if scope.follows_units or scope.sees_all:
        followed = scope.as_follower()
        overview = cell_month_statuses(scope=followed, months=[month], today=today)
        result.append(
            Panel(
                TEMPLATE,
                {**common, "kind": "follow", "overview": overview, "total": len(overview.rows), "all": scope.sees_all},
                order=20,
            )
        )
    return result
