"""Reads of the director's sign-off (签认, R5a): what a director may sign, the month's list, a cell's quarter.

Access is decided here, through the reader's Scope: a director signs the checklists of the projects they direct;
any other checklist is a 404 in the views.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Q, QuerySet

from core.access import Scope
from core.dates import Quarter
from touchpoints.models import Person

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


def _cell_signoffs_sql(months: int) -> str:
    """The quarter's checklists of a cell with who confirmed them (the person's name, else the username): SQL written
    from the models' metadata, identifiers quoted and every value a parameter (as notifications.selectors.unread_count),
    because building and compiling it through the ORM cost more CPU than PostgreSQL took to run it."""
    q = connection.ops.quote_name
    user = get_user_model()
    s, u, p = SelfCheck._meta, user._meta, Person._meta

    def col(meta, name: str) -> str:
        return q(meta.pk.column if name == "pk" else meta.get_field(name).column)

    return (
        f"SELECT s.{col(s, 'month')}, s.{col(s, 'pk')}, s.{col(s, 'state')}, "  # nosec B608
        f"s.{col(s, 'confirmed_at')} IS NOT NULL, u.{col(u, user.USERNAME_FIELD)}, p.{col(p, 'name')} "
        f"FROM {q(s.db_table)} s LEFT JOIN {q(u.db_table)} u ON u.{col(u, 'pk')} = s.{col(s, 'confirmed_by')} "
        f"LEFT JOIN {q(p.db_table)} p ON p.{col(p, 'user')} = u.{col(u, 'pk')} "
        f"WHERE s.{col(s, 'project')} = %s AND s.{col(s, 'function')} = %s AND s.{col(s, 'year')} = %s "
        f"AND s.{col(s, 'month')} IN ({', '.join(['%s'] * months)})"
    )


def cell_signoffs(*, project_id: int, function: str, quarter: Quarter) -> list[MonthSignoff]:
    """The quarter's three months of one cell with their sign-off state — one query."""
    months = [m for _y, m in quarter.months]
    with connection.cursor() as cursor:
        cursor.execute(_cell_signoffs_sql(len(months)), [project_id, str(function), quarter.year, *months])
        checks = {row[0]: row[1:] for row in cursor.fetchall()}
    rows = []
    for month in months:
        pk, state, confirmed, username, person_name = checks.get(month) or (None, None, False, None, None)
        rows.append(
            MonthSignoff(
                month=month,
                selfcheck_id=pk,
                submitted=state == SelfCheckState.SUBMITTED,
                confirmed=bool(confirmed),
                # The director's person name, else the username; nobody confirmed: empty.
                confirmed_by=(person_name if person_name is not None else username) or "",
            )
        )
    return rows
