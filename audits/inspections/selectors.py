"""Reads of quarterly inspections: the quarter board, an inspection page, discrepancies, and the tallies scoring needs.

Every read that a page shows is narrowed by the reader's `Scope` (core.access). Every function here runs a fixed
number of queries whatever the number of projects, cells or items.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db import connection, models
from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from core import dates
from core.access import EDIT, Action, Scope
from core.dates import Quarter
from core.publication import quarter_is_published
from core.statements import Statement, compile_statement
from touchpoints import frequency
from touchpoints.choices import Function
from touchpoints.models import Person, Project, Touchpoint
from touchpoints.selectors import applicable_counts

from ..choices import InspectionState, ItemStatus
from ..item_summary import quarter_code_count
from ..models import Deliverable, Inspection, InspectionItem, InspectionParticipant, SelfCheck, SelfCheckItem
from ..selfchecks.choices import CellMonthStatus
from ..selfchecks.rules import cell_month_status
from .choices import CellState, MonthState

FUNCTIONS: tuple[Function, ...] = tuple(Function)
FUNCTION_ORDER = {f.value: i for i, f in enumerate(FUNCTIONS)}
# Verdicts that enter the score (SPEC §5): not-applicable counts nowhere.
APPLICABLE_VERDICTS = (ItemStatus.DONE, ItemStatus.NOT_DONE)
DISCREPANCY_Q = Q(claimed_status=ItemStatus.DONE, verdict=ItemStatus.NOT_DONE)


# ---------------------------------------------------------------------------------------------------------------
# Access: through the Scope's predicates and the models' for_scope (core.access)


def get_inspection_for(*, scope: Scope, pk: int, action: Action = EDIT) -> Inspection:
    """The inspection if the scope may do `action` with it (editing is operations', R5b), else 404."""
    return get_object_or_404(Inspection.objects.for_scope(scope, action).select_related("project"), pk=pk)


def get_inspection_item_for(*, scope: Scope, pk: int, action: Action = EDIT) -> InspectionItem:
    return get_object_or_404(
        InspectionItem.objects.for_scope(scope, action).select_related("inspection", "inspection__project"), pk=pk
    )


def cell_for_reader(*, scope: Scope, project_code: str, function: str) -> tuple[Project, Function]:
    """The cell named in a URL, or 404 when it does not exist or the user may not read it."""
    if function not in Function.values:
        raise Http404
    project = Project.objects.filter(code=project_code).first()
    if project is None or not scope.can_read_cell(project.pk, function):
        raise Http404
    return project, Function(function)


def quarter_from_url(text: str) -> Quarter:
    try:
        return Quarter.parse(text)
    except ValueError as exc:
        raise Http404(str(exc)) from exc


def default_quarter(*, today: dt.date | None = None) -> Quarter:
    """The quarter operations work on now: the last quarter until it is published or its publication date passes (R9)."""
    today = today or dates.local_today()
    current = Quarter.of(today)
    previous = current.previous()
    if today <= previous.publication_date and not quarter_is_published(previous):
        return previous
    return current


# ---------------------------------------------------------------------------------------------------------------
# The quarter board


@dataclass(frozen=True, eq=False)
class MonthCell:
    """One month's mark of a board cell. Made only by `month_cell`, which keeps one instance per distinct value, so a
    mark is compared and hashed by identity: the page looks each cell's three marks up in a dict, and a field-wise
    hash (the state being an enum, whose hash is Python code) cost three calls per mark, twice per cell."""

    year: int
    month: int
    state: MonthState
    confirmed: bool = False  # R5a: the project director confirmed the submitted month

    @staticmethod
    def label_of(month: int) -> str:
        return _("{month}月").format(month=month)


class BoardCell(NamedTuple):
    """One project × function of the board: the three monthly self-checks and the inspection state.

    A named tuple rather than a frozen dataclass: a board builds one per cell (1,000 at 200 projects), and a frozen
    dataclass's __init__ sets each of its nine fields through object.__setattr__, three times the cost of a tuple."""

    project: Project
    function: Function
    months: tuple[MonthCell, ...]
    state: CellState
    inspection_id: int | None
    items: int
    answered: int
    discrepancies: int
    catalogue_items: int

    @property
    def assessed(self) -> bool:
        """R6: a cell with no item in the quarter is not assessed."""
        return self.state != CellState.NO_ITEMS

    @property
    def progress(self) -> int:
        return round(100 * self.answered / self.items) if self.items else 0

    @property
    def can_inspect_from_catalogue(self) -> bool:
        """No self-check item, but the catalogue has touchpoints for the project's active stages."""
        return self.state == CellState.NO_ITEMS and self.catalogue_items > 0


@dataclass(frozen=True)
class BoardRow:
    project: Project
    cells: tuple[BoardCell | None, ...]  # one per board function; None where the reader may not see the cell


@dataclass(frozen=True)
class Board:
    quarter: Quarter
    functions: tuple[Function, ...]
    rows: tuple[BoardRow, ...]
    published: bool
    today: dt.date
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def assessed(self) -> int:
        return self.counts.get("assessed", 0)

    @property
    def finalised(self) -> int:
        return self.counts.get(CellState.FINALISED, 0)

    @property
    def discrepancies(self) -> int:
        return self.counts.get("discrepancies", 0)

    @property
    def progress(self) -> int:
        return round(100 * self.finalised / self.assessed) if self.assessed else 0


# What the board reads of one month's checklist: its state, whether it was late, whether the director confirmed it.
MonthCheck = tuple[str, bool, bool]
NO_CHECKS: tuple[MonthCheck | None, ...] = (None, None, None)

# The board has one mark per month: a checklist not yet due, started or not, is "pending" there.
BOARD_MONTH_STATE = {
    CellMonthStatus.NOT_STARTED: MonthState.PENDING,
    CellMonthStatus.IN_PROGRESS: MonthState.PENDING,
    CellMonthStatus.ON_TIME: MonthState.ON_TIME,
    CellMonthStatus.LATE: MonthState.LATE,
    CellMonthStatus.MISSING: MonthState.MISSING,
    CellMonthStatus.NONE: MonthState.NONE,
}


def month_state(check: MonthCheck | None, *, year: int, month: int, today: dt.date, applies_now: bool) -> MonthState:
    """R8, decided by the self-checks' own rule (audits.selfchecks.rules.cell_month_status) so that the board and the
    self-check overview never disagree about a month."""
    status = cell_month_status(
        year=year,
        month=month,
        today=today,
        state=check[0] if check else None,
        answered=0,
        is_late=bool(check and check[1]),
        applies_now=applies_now,
    )
    return BOARD_MONTH_STATE[status]


@lru_cache(maxsize=512)
def month_cell(year: int, month: int, state: MonthState, confirmed: bool = False) -> MonthCell:
    """Month marks are immutable values: the board's 900 share a handful of instances."""
    return MonthCell(year, month, state, confirmed)


def quarter_board(*, quarter: Quarter, scope: Scope, today: dt.date | None = None) -> Board:
    """The projects × functions matrix of a quarter for the reader, in a fixed number of queries (6).

    One pass over the cells, each doing a fixed amount of work: its month marks are decided once per distinct
    combination of the months' checklists (a few dozen on a page), not three rule calls per cell."""
    today = today or dates.local_today()
    year, months = quarter.year, [m for _y, m in quarter.months]
    position = {m: i for i, m in enumerate(months)}
    # Per cell, one list: each month's check, then each month's stored codes. A page holds a handful of distinct
    # checks, each kept once: fewer objects alive means fewer garbage collections while a large board is built.
    checks: dict[tuple[int, str], list] = {}
    distinct: dict[MonthCheck, MonthCheck] = {}
    # No ordering: the model's default joins the projects to sort 900 rows the loop below reads into a dict.
    for project_id, function, month, state, is_late, codes, confirmed_at in (
        SelfCheck.objects.filter(scope.board_q(), year=year, month__in=months)
        .order_by()
        .values_list("project_id", "function", "month", "state", "is_late", "item_codes", "confirmed_at")
    ):
        key = (project_id, function)
        found = checks.get(key)
        if found is None:
            found = checks[key] = [None, None, None, "", "", ""]
        check = (state, is_late, confirmed_at is not None)
        i = position[month]
        found[i], found[i + 3] = distinct.setdefault(check, check), codes
    # Each checklist's codes are stored when it is generated (audits.item_summary): nothing is counted per view. They
    # are counted only for a cell without an inspection's stored tally, once per distinct set of the months' codes (a
    # page has a handful: the cells of a project and function share their lists).
    code_counts: dict[tuple[str, ...], int] = {}
    inspections = {
        (row[1], row[2]): row
        for row in Inspection.objects.filter(scope.board_q(), year=year, quarter=quarter.number)
        .order_by()
        .values_list("id", "project_id", "function", "state", "item_count", "answered_count", "discrepancy_count")
    }
    # The active projects and those with a checklist or an inspection this quarter. Every project is read and the
    # inactive ones without data dropped here: a list of 200 project ids as parameters cost more to prepare, twice,
    # than the rest of the board's queries, and subqueries naming them cost as much to compile on a small board.
    with_data = {p for p, _f in checks} | {p for p, _f in inspections}
    projects = [p for p in Project.objects.order_by("code") if p.is_active or p.pk in with_data]
    sees_all = scope.sees_all
    if not sees_all:
        projects = [p for p in projects if any(scope.reads_board_cell(p.pk, f) for f in FUNCTIONS)]
    # Every project's stages (a few hundred rows): cheaper to read whole than to name the projects shown, whether as
    # parameters or as a subquery; the cells look up only theirs.
    catalogue = applicable_counts(None)
    functions = tuple(f for f in FUNCTIONS if any(scope.reads_board_cell(p.pk, f) for p in projects)) or FUNCTIONS
    columns = [(f, f.value) for f in functions]
    marks: dict[tuple, tuple[MonthCell, ...]] = {}  # (applies now, each month's check) → the cell's month marks

    def month_marks(found: tuple[MonthCheck | None, ...], applies_now: bool) -> tuple[MonthCell, ...]:
        return tuple(
            month_cell(
                y,
                m,
                month_state(check, year=y, month=m, today=today, applies_now=applies_now),
                confirmed=bool(check and check[2]),
            )
            for (y, m), check in zip(quarter.months, found, strict=True)
        )

    not_started = in_progress = finalised = no_items = discrepancy_total = 0
    rows = []
    for project in projects:
        cells: list[BoardCell | None] = []
        project_id, active = project.pk, project.is_active
        for function, code in columns:
            if not sees_all and not scope.reads_board_cell(project_id, function):
                cells.append(None)
                continue
            key = (project_id, code)
            inspection = inspections.get(key)
            month_checks = checks.get(key)
            catalogue_items = catalogue.get(key, 0)
            if inspection is not None and inspection[4]:
                # Stored with the items by every service that writes them (audits.item_summary.inspection_store_tally).
                items, answered, discrepancies = inspection[4], inspection[5], inspection[6]
                if inspection[3] == InspectionState.FINALISED:
                    state, finalised = CellState.FINALISED, finalised + 1
                else:
                    state, in_progress = CellState.IN_PROGRESS, in_progress + 1
            else:
                month_codes = tuple(month_checks[3:]) if month_checks else ()
                items = code_counts.get(month_codes)
                if items is None:
                    items = code_counts[month_codes] = quarter_code_count(month_codes)
                answered = discrepancies = 0
                if items:
                    state, not_started = CellState.NOT_STARTED, not_started + 1
                else:
                    state, no_items = CellState.NO_ITEMS, no_items + 1
            applies_now = bool(catalogue_items) and active
            found = tuple(month_checks[:3]) if month_checks else NO_CHECKS
            month_cells = marks.get((applies_now, found))
            if month_cells is None:
                month_cells = marks[(applies_now, found)] = month_marks(found, applies_now)
            discrepancy_total += discrepancies
            cells.append(
                BoardCell(
                    project,
                    function,
                    month_cells,
                    state,
                    inspection[0] if inspection else None,
                    items,
                    answered,
                    discrepancies,
                    catalogue_items,
                )
            )
        rows.append(BoardRow(project=project, cells=tuple(cells)))
    counts = {
        CellState.NOT_STARTED: not_started,
        CellState.IN_PROGRESS: in_progress,
        CellState.FINALISED: finalised,
        CellState.NO_ITEMS: no_items,
        "assessed": not_started + in_progress + finalised,  # R6: every cell with items
        "discrepancies": discrepancy_total,
    }
    return Board(
        quarter=quarter,
        functions=functions,
        rows=tuple(rows),
        published=quarter_is_published(quarter),
        today=today,
        counts=counts,
    )


# ---------------------------------------------------------------------------------------------------------------
# One inspection


class FileRef(NamedTuple):
    """A deliverable a self-check of the quarter carries for an item's code."""

    pk: int
    name: str
    size: int
    month: int


def person_or_username(username: str | None, person_name: str | None) -> str | None:
    """A user as the pages name them: the linked person's name, else the username (None: no user)."""
    return person_name if person_name is not None else username


class ItemView(NamedTuple):
    """What an inspection card shows of one item: plain values read in one narrow query, not a model instance with
    its judge and the judge's person (40 items were 120 objects built from 40 columns each)."""

    pk: int
    code: str
    name: str
    stage_name: str
    level_name: str
    weight: int
    standard_action: str
    check_method: str
    deliverable: str
    claimed_status: str
    claimed_note: str
    verdict: str
    finding: str
    judged_name: str | None  # who judged it: the person's name, else the username; None when nobody did

    @property
    def is_discrepancy(self) -> bool:
        """虚报: claimed done in the self-check, found not done by the inspector."""
        return self.claimed_status == ItemStatus.DONE and self.verdict == ItemStatus.NOT_DONE


def judged_name(item: InspectionItem) -> str | None:
    """Who judged a saved item, named as on its card (the person's name, else the username), None when nobody did."""
    judge = item.judged_by
    if judge is None:
        return None
    person = getattr(judge, "person", None)  # a user without a person raises RelatedObjectDoesNotExist, an AttributeError
    return person_or_username(judge.get_username(), person.name if person is not None else None)


ITEM_VIEW_FIELDS = ItemView._fields[:-1]


class ItemRow(NamedTuple):
    item: ItemView
    files: tuple[FileRef, ...]

    @property
    def judged(self) -> str | None:
        return self.item.judged_name


# The inspection page's three reads of plain values are SQL written from the models' metadata (identifiers quoted,
# every value a parameter), as notifications.selectors.unread_count: building and compiling each through the ORM
# cost more CPU than PostgreSQL took to run them (1.3-1.9 ms a query on the benchmark machine, against 0.1-0.2 ms).


def _column(model: type[models.Model], name: str) -> str:
    meta = model._meta
    return connection.ops.quote_name(meta.pk.column if name == "pk" else meta.get_field(name).column)


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _name_of_user_sql(user_column: str) -> str:
    """A user's name as the pages show it, the linked person's name else the username, looked up by key per row (a
    join made PostgreSQL hash every user, 3,000 rows, to name 40 items)."""
    user, person = get_user_model(), Person
    return (
        f"(SELECT COALESCE(p.{_column(person, 'name')}, u.{_column(user, user.USERNAME_FIELD)}) "  # nosec B608
        f"FROM {_table(user)} u LEFT JOIN {_table(person)} p ON p.{_column(person, 'user')} = u.{_column(user, 'pk')} "
        f"WHERE u.{_column(user, 'pk')} = {user_column})"
    )


def quarter_deliverables(*, project: Project, function: str, quarter: Quarter) -> dict[str, list[FileRef]]:
    """The files the quarter's self-checks of the cell carry, by item code — one query."""
    months = [m for _y, m in quarter.months]
    d, i, s = Deliverable, SelfCheckItem, SelfCheck
    sql = (
        f"SELECT d.{_column(d, 'pk')}, d.{_column(d, 'original_name')}, d.{_column(d, 'size')}, "  # nosec B608
        f"s.{_column(s, 'month')}, i.{_column(i, 'code')} FROM {_table(d)} d "
        f"JOIN {_table(i)} i ON i.{_column(i, 'pk')} = d.{_column(d, 'item')} "
        f"JOIN {_table(s)} s ON s.{_column(s, 'pk')} = i.{_column(i, 'selfcheck')} "
        f"WHERE s.{_column(s, 'project')} = %s AND s.{_column(s, 'function')} = %s AND s.{_column(s, 'year')} = %s "
        f"AND s.{_column(s, 'month')} IN ({', '.join(['%s'] * len(months))}) "
        f"ORDER BY s.{_column(s, 'month')}, d.{_column(d, 'uploaded_at')}, d.{_column(d, 'pk')}"
    )
    files: dict[str, list[FileRef]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(sql, [project.pk, str(function), quarter.year, *months])
        for pk, name, size, month, code in cursor.fetchall():
            files[code].append(FileRef(pk, name, size, month))
    return files


def inspection_rows(*, inspection: Inspection) -> list[ItemRow]:
    """The inspection's items, each with the deliverable files of the quarter's self-checks — two queries."""
    quarter = Quarter(inspection.year, inspection.quarter)
    files = quarter_deliverables(project=inspection.project, function=inspection.function, quarter=quarter)
    # Who judged is shown; who saved last is not. Only the columns a card shows.
    i = InspectionItem
    columns = ", ".join(f"i.{_column(i, name)}" for name in ITEM_VIEW_FIELDS)
    judge = _name_of_user_sql(f"i.{_column(i, 'judged_by')}")
    sql = (
        f"SELECT {columns}, {judge} FROM {_table(i)} i "  # nosec B608
        f"WHERE i.{_column(i, 'inspection')} = %s ORDER BY i.{_column(i, 'stage_order')}, i.{_column(i, 'code')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [inspection.pk])
        items = list(map(ItemView._make, cursor.fetchall()))
    return [ItemRow(item, tuple(files.get(item.code, ()))) for item in items]


def inspection_participants(*, inspection: Inspection) -> list:
    """R5b: who took part in the inspection, in the order they joined — one query."""
    return [
        p.user
        for p in InspectionParticipant.objects.filter(inspection=inspection)
        .select_related("user__person")
        .order_by("joined_at", "id")
    ]


def inspection_participant_names(*, inspection: Inspection) -> list[str]:
    """R5b: the names of who took part (the person's name, else the username), in the order they joined — one query
    of two columns."""
    user, x = get_user_model(), InspectionParticipant
    sql = (
        f"SELECT u.{_column(user, user.USERNAME_FIELD)}, p.{_column(Person, 'name')} FROM {_table(x)} x "  # nosec B608
        f"JOIN {_table(user)} u ON u.{_column(user, 'pk')} = x.{_column(x, 'user')} "
        f"LEFT JOIN {_table(Person)} p ON p.{_column(Person, 'user')} = u.{_column(user, 'pk')} "
        f"WHERE x.{_column(x, 'inspection')} = %s ORDER BY x.{_column(x, 'joined_at')}, x.{_column(x, 'pk')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [inspection.pk])
        return [person_name or username for username, person_name in cursor.fetchall()]


def tally(judged: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Items, answered items, each verdict and discrepancies (claimed done, judged not done) of (verdict, claimed
    status) pairs: the inspection page counts the rows it shows, the verdict answer counts from the database."""
    counts = {"total": 0, "answered": 0, "done": 0, "not_done": 0, "na": 0, "discrepancies": 0}
    for verdict, claimed in judged:
        counts["total"] += 1
        if verdict:
            counts["answered"] += 1
            counts[verdict] = counts.get(verdict, 0) + 1
        if claimed == ItemStatus.DONE and verdict == ItemStatus.NOT_DONE:
            counts["discrepancies"] += 1
    return counts


def inspection_counts(*, inspection: Inspection) -> dict[str, int]:
    """Items, answered items and discrepancies of one inspection — one query."""
    return tally(inspection.items.order_by().values_list("verdict", "claimed_status"))


@cache
def _cell_inspection_statement(alias: str) -> Statement:
    """`cell_inspection_for_reader`'s query, compiled once per process (core.statements)."""
    return compile_statement(
        lambda code, function, year, number: (
            Inspection.objects.filter(project__code=code, function=function, year=year, quarter=number)
            .select_related("project")
            .annotate(
                created_by_username=F("created_by__username"),
                created_by_person=F("created_by__person__name"),
                finalised_by_username=F("finalised_by__username"),
                finalised_by_person=F("finalised_by__person__name"),
            )
            .order_by("pk")[:1]
        ),
        alias,
        keys=(str, str, int, int),
    )


def cell_inspection_for_reader(
    *, scope: Scope, project_code: str, function: str, quarter: Quarter
) -> tuple[Project, Function, Inspection | None]:
    """The cell named in a URL and its inspection of the quarter (at most one), or 404 when the cell does not exist or
    the user may not read it (as `cell_for_reader`).

    One query when the cell has an inspection (it brings its project), two when it has none. Who started and who
    finalised it come as two names (`created_by_name`, `finalised_by_name`: the person's name, else the username), read
    as four columns rather than as two users and their persons."""
    if function not in Function.values:
        raise Http404
    found = next(
        iter(_cell_inspection_statement(connection.alias).instances(project_code, function, quarter.year, quarter.number)), None
    )
    project = found.project if found is not None else Project.objects.filter(code=project_code).first()
    if project is None or not scope.can_read_cell(project.pk, function):
        raise Http404
    if found is not None:  # as the page's `|default` showed them: an empty name gives the username
        found.created_by_name = found.created_by_person or found.created_by_username
        found.finalised_by_name = found.finalised_by_person or found.finalised_by_username
    return project, Function(function), found


@dataclass(frozen=True)
class ItemSource:
    """What a new inspection item copies: a self-check item or a touchpoint, and what the lead claimed."""

    snapshot: object  # SelfCheckItem (latest month) or Touchpoint
    claimed_status: str
    claimed_note: str


def quarter_claims(*, cells: Iterable[tuple[int, str]], quarter: Quarter) -> dict[tuple[int, str], dict[str, SelfCheckItem]]:
    """Per cell and code, the self-check item of the latest month that answered it — one query."""
    cells = set(cells)
    if not cells:
        return {}
    items = (
        SelfCheckItem.objects.filter(
            selfcheck__year=quarter.year,
            selfcheck__month__in=[m for _y, m in quarter.months],
            selfcheck__project_id__in={p for p, _f in cells},
            selfcheck__function__in={f for _p, f in cells},
        )
        .exclude(status="")
        .select_related("selfcheck")
        .order_by("selfcheck__month")
    )
    claims: dict[tuple[int, str], dict[str, SelfCheckItem]] = {}
    for item in items:
        key = (item.selfcheck.project_id, item.selfcheck.function)
        if key in cells:
            claims.setdefault(key, {})[item.code] = item  # later months overwrite earlier ones
    return claims


def inspection_sources(*, project: Project, function: str, quarter: Quarter) -> list[ItemSource]:
    """The items an inspection of the cell starts from (SPEC §3).

    The union of the quarter's self-check items by code, the snapshot taken from the latest month's item and the claim
    from the latest month that answered it. A cell whose lead never generated a checklist falls back to the catalogue
    snapshot of the project's active stages, so operations can still inspect it; empty means "no items" (R6).
    """
    items = (
        SelfCheckItem.objects.filter(
            selfcheck__project=project,
            selfcheck__function=function,
            selfcheck__year=quarter.year,
            selfcheck__month__in=[m for _y, m in quarter.months],
        )
        .select_related("selfcheck")
        .order_by("selfcheck__month", "id")
    )
    latest: dict[str, SelfCheckItem] = {}
    answered: dict[str, SelfCheckItem] = {}
    for item in items:
        latest[item.code] = item
        if item.status:
            answered[item.code] = item
    if latest:
        return [
            ItemSource(
                snapshot=item,
                claimed_status=answered[code].status if code in answered else "",
                claimed_note=answered[code].note if code in answered else "",
            )
            for code, item in latest.items()
        ]
    return [
        ItemSource(snapshot=t, claimed_status="", claimed_note="")
        for t in catalogue_touchpoints(project=project, function=function, quarter=quarter)
    ]


def inspection_new_sources(*, inspection: Inspection) -> list[ItemSource]:
    """Self-check items whose codes appeared after the open inspection was created (what "更新检查项" would add)."""
    if inspection.state != InspectionState.IN_PROGRESS:
        return []
    quarter = Quarter(inspection.year, inspection.quarter)
    sources = inspection_sources(project=inspection.project, function=inspection.function, quarter=quarter)
    known = set(inspection.items.values_list("code", flat=True))
    return [s for s in sources if s.snapshot.code not in known and isinstance(s.snapshot, SelfCheckItem)]


def catalogue_touchpoints(*, project: Project, function: str, quarter: Quarter | None = None) -> list[Touchpoint]:
    """The catalogue snapshot of a cell: active touchpoints of the function in the project's active stages (SPEC §3),
    and, for a quarter, only those due in one of its months (SPEC §3 Frequency)."""
    touchpoints = list(
        Touchpoint.objects.active()
        .filter(function=function, stage__projects=project)
        .select_related("stage", "level")
        .order_by("stage__order", "code")
        .distinct()
    )
    if quarter is None:
        return touchpoints
    months = [m for _y, m in quarter.months]
    return [
        t
        for t in touchpoints
        if any(frequency.is_due(frequency=t.frequency, yearly_month=t.yearly_month, month=m) for m in months)
    ]


# ---------------------------------------------------------------------------------------------------------------
# Discrepancies (虚报)


@dataclass(frozen=True)
class DiscrepancyGroup:
    """The discrepancies of one cell: items claimed done in the self-check, found not done."""

    inspection: Inspection
    items: tuple[InspectionItem, ...]


def discrepancies(
    *, quarter: Quarter, scope: Scope, project: Project | None = None, function: str | None = None
) -> list[DiscrepancyGroup]:
    """The quarter's discrepancies the reader may see, grouped per cell — one query."""
    items = (
        InspectionItem.objects.filter(
            DISCREPANCY_Q,
            scope.board_q("inspection__project", "inspection__function"),
            inspection__year=quarter.year,
            inspection__quarter=quarter.number,
        )
        .select_related("inspection", "inspection__project")
        .order_by("inspection__project__code", "inspection__function", "stage_order", "code")
    )
    if project is not None:
        items = items.filter(inspection__project=project)
    if function:
        items = items.filter(inspection__function=function)
    grouped: dict[int, list[InspectionItem]] = defaultdict(list)
    inspections: dict[int, Inspection] = {}
    for item in items:
        grouped[item.inspection_id].append(item)
        inspections[item.inspection_id] = item.inspection
    groups = [DiscrepancyGroup(inspections[pk], tuple(found)) for pk, found in grouped.items()]
    return sorted(groups, key=lambda g: (g.inspection.project.code, FUNCTION_ORDER[g.inspection.function]))


# ---------------------------------------------------------------------------------------------------------------
# What scoring and publication read


def _finalised_totals(quarter: Quarter) -> models.QuerySet:
    return (
        Inspection.objects.filter(year=quarter.year, quarter=quarter.number, state=InspectionState.FINALISED)
        .values("project__code", "project__name", "function")
        .annotate(
            done=Coalesce(Sum("items__weight", filter=Q(items__verdict=ItemStatus.DONE)), 0),
            applicable=Coalesce(Sum("items__weight", filter=Q(items__verdict__in=APPLICABLE_VERDICTS)), 0),
            item_count=Count("items"),
            na=Count("items", filter=Q(items__verdict=ItemStatus.NA)),
            discrepancies=Count("items", filter=Q(items__claimed_status=ItemStatus.DONE, items__verdict=ItemStatus.NOT_DONE)),
        )
        .order_by("project__code", "function")
    )


@dataclass(frozen=True)
class CellWeights:
    """One finalised cell of a quarter reduced to two weight sums: what the engine scores (SPEC §5)."""

    project: str
    function: str
    done_weight: int
    applicable_weight: int


def finalised_cell_weights(*, quarter: Quarter) -> list[CellWeights]:
    """SPEC §5: per finalised cell, Σweight of items done and Σweight of items done or not done — one query.

    Not-applicable items count nowhere; a finalised inspection whose items are all N/A gives 0/0 (not assessed, R6).
    """
    rows = sorted(_finalised_totals(quarter), key=lambda r: (r["project__code"], FUNCTION_ORDER[r["function"]]))
    return [CellWeights(r["project__code"], r["function"], int(r["done"]), int(r["applicable"])) for r in rows]


@dataclass(frozen=True)
class CellDetail:
    """Per-cell detail of a quarter's finalised inspections, for result pages and the 明细 export."""

    project_code: str
    project_name: str
    function: Function
    done_weight: int
    applicable_weight: int
    items: int
    not_applicable: int
    discrepancies: int


def inspection_detail_rows(*, quarter: Quarter) -> list[CellDetail]:
    """Every finalised cell of the quarter with its weights and counts — one query."""
    rows = sorted(_finalised_totals(quarter), key=lambda r: (r["project__code"], FUNCTION_ORDER[r["function"]]))
    return [
        CellDetail(
            project_code=r["project__code"],
            project_name=r["project__name"],
            function=Function(r["function"]),
            done_weight=int(r["done"]),
            applicable_weight=int(r["applicable"]),
            items=r["item_count"],
            not_applicable=r["na"],
            discrepancies=r["discrepancies"],
        )
        for r in rows
    ]


def cells_without_finalised_inspection(*, quarter: Quarter) -> list[tuple[Project, str]]:
    """Cells with applicable items in the quarter but no finalised inspection (SPEC §7, §9) — four queries.

    A cell has applicable items when a self-check of one of the quarter's months has an item, or an unfinalised
    inspection of the quarter has items. Cells with neither are not assessed (R6) and are not listed.
    """
    months = [m for _y, m in quarter.months]
    # Whether a checklist or an inspection has an item, asked of each one (an index probe), not by reading the
    # quarter's tens of thousands of items.
    cells = set(
        SelfCheck.objects.filter(year=quarter.year, month__in=months)
        .filter(Exists(SelfCheckItem.objects.filter(selfcheck=OuterRef("pk"))))
        .values_list("project_id", "function")
        .order_by()
        .distinct()
    )
    inspections = (
        Inspection.objects.filter(year=quarter.year, quarter=quarter.number)
        .annotate(has_items=Exists(InspectionItem.objects.filter(inspection=OuterRef("pk"))))
        .values_list("project_id", "function", "state", "has_items")
    )
    finalised = set()
    for project_id, function, state, has_items in inspections:
        if state == InspectionState.FINALISED:
            finalised.add((project_id, function))
        elif has_items:
            cells.add((project_id, function))
    missing = cells - finalised
    projects = Project.objects.in_bulk({p for p, _f in missing})
    return sorted(
        ((projects[p], f) for p, f in missing if p in projects),
        key=lambda cell: (cell[0].code, FUNCTION_ORDER.get(cell[1], 99)),
    )
