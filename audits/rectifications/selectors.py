"""Reads of rectifications (SPEC §14): what a user may see, the lead's list, the register, a cell's list for the
inspection page and per-unit counts for the results page. Each runs a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from core import access
from core.access import Scope
from core.dates import Quarter
from core.statements import Statement, compile_statement
from touchpoints.choices import Function

from . import rules
from .choices import RectificationState
from .models import Rectification, RectificationProof


def rectifications_visible(*, scope: Scope) -> QuerySet[Rectification]:
    """The live rectifications of the cells this user may read (none for a user without a unit)."""
    if not access.can_read_rectifications(scope):
        return Rectification.objects.none()
    return Rectification.objects.live().filter(scope.cell_q())


def _with_people(qs: QuerySet[Rectification]) -> QuerySet[Rectification]:
    return qs.select_related("project", "responsible__person", "verified_by__person", "submitted_by__person")


def rectification_for_read(*, scope: Scope, pk: int) -> Rectification:
    """One rectification this user may read, or 404 (another unit's is not found, SPEC §14)."""
    rect = _with_people(rectifications_visible(scope=scope)).filter(pk=pk).first()
    if rect is None:
        raise Http404
    return rect


def rectification_for_submit(*, scope: Scope, pk: int) -> Rectification:
    rect = rectification_for_read(scope=scope, pk=pk)
    if not access.can_submit_rectification(
        scope, project_id=rect.project_id, function=rect.function, responsible_id=rect.responsible_id
    ):
        raise Http404
    return rect


def rectification_for_verify(*, scope: Scope, pk: int) -> Rectification:
    rect = rectification_for_read(scope=scope, pk=pk)
    if not access.can_verify_rectification(scope, project_id=rect.project_id, function=rect.function):
        raise Http404
    return rect


def proof_for_read(*, scope: Scope, pk: int) -> RectificationProof:
    proof = RectificationProof.objects.filter(pk=pk, rectification__in=rectifications_visible(scope=scope)).first()
    if proof is None:
        raise Http404
    return proof


def person_label(user) -> tuple[str, str]:
    """(工号, 姓名) of a user: the linked person's, else empty and the login name."""
    if user is None:
        return "", ""
    person = getattr(user, "person", None)
    if person is not None:
        return person.employee_id, person.name
    return "", user.get_username()


@dataclass(frozen=True)
class RectRow:
    """A rectification as lists show it."""

    rect: Rectification
    overdue: bool
    days_left: int
    can_submit: bool

    @property
    def responsible_name(self) -> str:
        """Read when a list shows it: the lists that do read the responsible user and person with the rectification
        (_with_people); the inspection page's panel does not show it, and reads neither."""
        return person_label(self.rect.responsible)[1]

    @property
    def cell_label(self) -> str:
        return f"{self.rect.project.name} · {Function(self.rect.function).label}"


def _rows(rects, *, scope: Scope, today: dt.date) -> list[RectRow]:
    rows = []
    for rect in rects:
        rows.append(
            RectRow(
                rect=rect,
                overdue=rules.is_overdue(state=rect.state, due=rect.due_date, today=today),
                days_left=(rect.due_date - today).days,
                can_submit=rect.state in rules.AWAITING_LEAD
                and access.can_submit_rectification(
                    scope, project_id=rect.project_id, function=rect.function, responsible_id=rect.responsible_id
                ),
            )
        )
    return rows


def my_rectifications(*, scope: Scope, today: dt.date) -> list[RectRow]:
    """The lead's own: assigned to them or in a cell they lead, not verified, earliest due first (one query)."""
    if scope.person is None:
        return []
    q = Q(responsible_id=scope.person.user_id) if scope.person.user_id else Q(pk__in=[])
    for project_id, function in scope.led_cells:
        q |= Q(project_id=project_id, function=function)
    qs = _with_people(Rectification.objects.unverified().filter(q)).order_by("due_date", "id")
    return _rows(qs, scope=scope, today=today)


def unit_rectifications(*, scope: Scope, today: dt.date) -> list[RectRow]:
    """A director's or head's: every unverified one of their units (one query)."""
    if not (scope.directed_projects or scope.headed_functions):
        return []
    q = Q(project_id__in=scope.directed_projects) | Q(function__in=scope.headed_functions)
    qs = _with_people(Rectification.objects.unverified().filter(q)).order_by("due_date", "id")
    return _rows(qs, scope=scope, today=today)


@dataclass(frozen=True)
class RegisterFilters:
    """The register's filters (all optional): quarter, project code, function, state, overdue, 虚报."""

    quarter: Quarter | None = None
    project: str = ""
    function: str = ""
    state: str = ""
    overdue: bool = False
    false_claim: bool = False


def register_filters(params) -> RegisterFilters:
    """Read the filters from a query string; values that mean nothing are ignored (the filter is simply not applied)."""
    quarter = None
    text = (params.get("quarter") or "").strip()
    if text:
        try:
            quarter = Quarter.parse(text)
        except ValueError:
            quarter = None
    function = params.get("function") or ""
    state = params.get("state") or ""
    return RegisterFilters(
        quarter=quarter,
        project=(params.get("project") or "").strip(),
        function=function if function in Function.values else "",
        state=state if state in RectificationState.values and state != RectificationState.WITHDRAWN else "",
        overdue=params.get("overdue") == "1",
        false_claim=params.get("false_claim") == "1",
    )


REGISTER_LIMIT = 500


def register(*, scope: Scope, filters: RegisterFilters, today: dt.date) -> tuple[list[RectRow], int]:
    """Operations' and HR's register: the rows matching the filters (at most REGISTER_LIMIT) and how many match."""
    qs = rectifications_visible(scope=scope)
    if filters.quarter is not None:
        qs = qs.filter(year=filters.quarter.year, quarter=filters.quarter.number)
    if filters.project:
        qs = qs.filter(project__code=filters.project)
    if filters.function:
        qs = qs.filter(function=filters.function)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.overdue:
        qs = qs.unverified().filter(due_date__lt=today)
    if filters.false_claim:
        qs = qs.filter(false_claim=True)
    total = qs.count()
    rows = _rows(
        _with_people(qs).order_by("due_date", "project__code", "function", "code", "id")[:REGISTER_LIMIT],
        scope=scope,
        today=today,
    )
    return rows, total


@dataclass(frozen=True)
class CellRectifications:
    open: list[RectRow]
    verified: list[RectRow]


@cache
def _cell_statement(alias: str) -> Statement:
    """`cell_rectifications`' query, compiled once per process (core.statements): every inspection page runs it."""
    return compile_statement(
        lambda project_id, function, since: (
            Rectification.objects.filter(project_id=project_id, function=function)
            .filter(Q(state__in=rules.UNVERIFIED) | Q(state=RectificationState.VERIFIED, verified_at__date__gte=since))
            .order_by("due_date", "code", "id")
        ),
        alias,
        keys=(int, str, dt.date),
    )


def cell_rectifications(*, scope: Scope, project_id: int, function: str, today: dt.date) -> CellRectifications:
    """For the inspection page (SPEC §14): the cell's open ones and those verified recently, so the inspector can look
    at them on site (one query)."""
    since = today - dt.timedelta(days=rules.RECENTLY_VERIFIED_DAYS)
    # No join: the panel shows the rectifications alone. Joining the project and the submitter and verifier with their
    # persons (eight tables) cost PostgreSQL 2–3 ms of planning on every inspection page, and the responsible user and
    # person, which the panel does not show either, 0.6 ms of the ORM's building and compiling.
    rectifications = _cell_statement(connection.alias).instances(project_id, function, since)
    rows = _rows(rectifications, scope=scope, today=today)
    return CellRectifications(
        open=[r for r in rows if r.rect.state != RectificationState.VERIFIED],
        verified=[r for r in rows if r.rect.state == RectificationState.VERIFIED],
    )


@dataclass(frozen=True)
class UnitCounts:
    open: int = 0
    overdue: int = 0


@cache
def _unit_counts_statement(alias: str) -> Statement:
    """`unit_counts`' query, compiled once per process (core.statements): every results page runs it."""
    return compile_statement(
        lambda year, quarter, today: (
            Rectification.objects.unverified()
            .filter(year=year, quarter=quarter)
            .values("project__code", "function")
            .annotate(open=Count("id"), overdue=Count("id", filter=Q(due_date__lt=today)))
            .values_list("project__code", "function", "open", "overdue")
        ),
        alias,
        keys=(int, int, dt.date),
    )


def unit_counts(*, year: int, quarter: int, today: dt.date) -> dict[tuple[str, str], UnitCounts]:
    """Open (not verified) and overdue rectifications per unit — ("function", code) and ("project", code) — of the
    quarter's inspections, for the results page (one query)."""
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for code, function, open_count, overdue in _unit_counts_statement(connection.alias).rows(year, quarter, today):
        for key in (("project", code), ("function", function)):
            totals[key][0] += open_count
            totals[key][1] += overdue
    return {key: UnitCounts(*values) for key, values in totals.items()}


def events_of(rect: Rectification) -> list:
    """The step log of a rectification, oldest first, with who did it (one query)."""
    return list(rect.events.select_related("by__person").order_by("at", "id"))
