"""Reads of the director's sign-off (签认, R5a): what a director may sign, the month's list, a cell's quarter.

Access is decided here, through the reader's Scope: a director signs the checklists of the projects they direct;
any other checklist is a 404 in the views.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from core.access import Scope
from core.dates import Quarter

from ..choices import SelfCheckState
from ..models import SelfCheck

FUNCTION_ORDER_FIELDS = ("project__code", "function")


def signable_selfchecks(scope: Scope) -> QuerySet[SelfCheck]:
    """R5a: the checklists of the projects the user directs; empty for everyone else (operations included)."""
    return SelfCheck.objects.filter(project_id__in=scope.directed_projects).select_related("project")


def can_sign(scope: Scope, selfcheck: SelfCheck) -> bool:
    return selfcheck.project_id in scope.directed_projects


def signoff_month(*, scope: Scope, year: int, month: int) -> list[SelfCheck]:
    """The director's checklists of a month, with who submitted and who confirmed — one query."""
    return list(
        signable_selfchecks(scope)
        .filter(year=year, month=month)
        .select_related("submitted_by__person", "confirmed_by__person")
        .order_by(*FUNCTION_ORDER_FIELDS)
    )


def signoff_waiting(*, scope: Scope, today: dt.date) -> list[SelfCheck]:
    """The director's submitted, unconfirmed checklists of this month and last month — one query."""
    previous = (today.year - 1, 12) if today.month == 1 else (today.year, today.month - 1)
    return list(
        signable_selfchecks(scope)
        .filter(state=SelfCheckState.SUBMITTED, confirmed_at__isnull=True)
        .filter(Q(year=today.year, month=today.month) | Q(year=previous[0], month=previous[1]))
        .order_by("-year", "-month", *FUNCTION_ORDER_FIELDS)
    )


def unconfirmed_selfchecks(*, year: int, month: int) -> QuerySet[SelfCheck]:
    """R5a: the month's checklists nobody has confirmed yet (submitted or not), for the reminder on the 5th."""
    return (
        SelfCheck.objects.filter(year=year, month=month, confirmed_at__isnull=True)
        .select_related("project")
        .order_by(*FUNCTION_ORDER_FIELDS)
    )


@dataclass(frozen=True)
class MonthSignoff:
    """One month of a cell as the inspection page shows it: submitted, confirmed, by whom."""

    month: int
    selfcheck_id: int | None
    submitted: bool
    confirmed: bool
    confirmed_by: str
    confirmed_at: object


def cell_signoffs(*, project_id: int, function: str, quarter: Quarter) -> list[MonthSignoff]:
    """The quarter's three months of one cell with their sign-off state — one query of the six columns shown, without
    the default ordering's join to the projects (three rows are keyed by month here)."""
    checks = {
        month: (pk, state, confirmed_at, username, person_name)
        for month, pk, state, confirmed_at, username, person_name in SelfCheck.objects.filter(
            project_id=project_id, function=function, year=quarter.year, month__in=[m for _y, m in quarter.months]
        )
        .order_by()
        .values_list("month", "pk", "state", "confirmed_at", "confirmed_by__username", "confirmed_by__person__name")
    }
    rows = []
    for _year, month in quarter.months:
        check = checks.get(month)
        pk, state, confirmed_at, username, person_name = check or (None, None, None, None, None)
        # The director's person name, else the username; nobody confirmed: empty.
        who = (person_name if person_name is not None else username) or ""
        rows.append(
            MonthSignoff(
                month=month,
                selfcheck_id=pk,
                submitted=state == SelfCheckState.SUBMITTED,
                confirmed=bool(confirmed_at),
                confirmed_by=who,
                confirmed_at=confirmed_at,
            )
        )
    return rows
