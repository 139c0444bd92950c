"""Reads of the monthly self-check (SPEC §3, R8): what a user may see, the checklist page, overviews and reminders.

Access is decided only through ``core.access.Scope``: every getter narrows its queryset by the scope first, so
an object the user may not see is simply not found (404 in views). Pages use a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audits.choices import ItemStatus, SelfCheckState
from audits.models import Deliverable, SelfCheck, SelfCheckItem, SelfCheckItemQuerySet, SelfCheckQuerySet
from core import dates
from core.access import EDIT, VIEW, Action, Scope
from core.statements import Statement, compile_statement
from touchpoints.choices import Function
from touchpoints.models import Project
from touchpoints.selectors import applicable_counts

from .choices import CellMonthStatus
from .deadlines import deadline_label
from .rules import (  # noqa: F401
    Progress,
    cell_month_status,
    classify_cell_month,
    percent_half_up,
    progress_of,
)

# -- history ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class HistoryEntry:
    """One change to an item: who, when, and each field's value before and after (SPEC §7)."""

    when: dt.datetime
    who: str
    action: str
    changes: tuple[Change, ...] = ()


def _status_label(value: str) -> str:
    return str(ItemStatus(value).label) if value in ItemStatus.values else _("未填写")


TRACKED_FIELDS = (("status", gettext_lazy("完成情况")), ("na_reason", gettext_lazy("不适用原因")), ("note", gettext_lazy("备注")))


def user_display(user: Any) -> str:
    if user is None:
        return _("系统")
    try:
        person = user.person
    except ObjectDoesNotExist:
        person = None
    return person.name if person is not None else user.get_username()


def item_history_entries(records: Iterable[Any]) -> list[HistoryEntry]:
    """Entries from an item's historical records in chronological order; records without a visible change are skipped."""
    entries = []
    previous = None
    for record in records:
        if previous is None or record.history_type == "+":
            entries.append(HistoryEntry(record.history_date, user_display(record.history_user), _("生成自检项")))
        else:
            changes = []
            for name, label in TRACKED_FIELDS:
                before, after = getattr(previous, name), getattr(record, name)
                if before != after:
                    if name == "status":
                        before, after = _status_label(before), _status_label(after)
                    changes.append(Change(str(label), before or "—", after or "—"))
            if changes:
                entries.append(HistoryEntry(record.history_date, user_display(record.history_user), _("修改"), tuple(changes)))
        previous = record
    return entries


FILE_ACTIONS = ("+", "-")


def file_history_entries(records: Iterable[Any]) -> list[HistoryEntry]:
    actions = {"+": _("上传文件"), "-": _("删除文件")}
    return [
        HistoryEntry(
            r.history_date, user_display(r.history_user), actions[r.history_type], (Change(_("文件"), "", r.original_name),)
        )
        for r in records
        if r.history_type in actions
    ]


# -- access ----------------------------------------------------------------------------------------------------------


# What an item's card shows of a file (selfcheck_item.jinja).
CARD_FILE_FIELDS = ("id", "item_id", "original_name", "size")


@cache
def _by_key(name: str, alias: str) -> Statement:
    """The checklist's and its items' reads by key, each compiled once per process (core.statements): a page runs
    the same query on every view with only the key changing."""
    querysets = {
        "selfcheck": lambda key: SelfCheck.objects.select_related("project", "submitted_by__person").filter(pk=key),
        "selfcheck_project": lambda key: SelfCheck.objects.select_related("project").filter(pk=key),
        "item": lambda key: SelfCheckItem.objects.select_related("selfcheck__project").filter(pk=key),
        # FOR UPDATE OF the item's row only; compiled, as run, inside the caller's transaction.
        "item_locked": lambda key: (
            SelfCheckItem.objects.select_related("selfcheck__project").select_for_update(of=("self",)).filter(pk=key)
        ),
        # A checklist's items, and what a card shows of their files (upload order, the model's); one item's files.
        "checklist_items": lambda key: SelfCheckItem.objects.filter(selfcheck_id=key),
        "checklist_files": lambda key: Deliverable.objects.filter(item__selfcheck_id=key).only(*CARD_FILE_FIELDS),
        "item_files": lambda key: Deliverable.objects.filter(item_id=key).only(*CARD_FILE_FIELDS),
    }
    return compile_statement(querysets[name], alias)


def _one(name: str, pk: int) -> Any:
    found = _by_key(name, connection.alias).instances(pk)
    if not found:
        raise Http404
    return found[0]


def get_selfcheck_for(*, scope: Scope, pk: int, action: Action = VIEW) -> SelfCheck:
    """The self-check if the scope may do `action` with it ("view", "edit" as its lead, "operate" to reopen), else 404.
    Read by its key, then checked by the scope (`allows_cell`, the same decision as `for_scope`): building the scope's
    filter into the query cost more than the query."""
    selfcheck = _one("selfcheck" if action == VIEW else "selfcheck_project", pk)
    if not scope.allows_cell(SelfCheckQuerySet.actions[action], selfcheck.project_id, selfcheck.function):
        raise Http404
    return selfcheck


def get_selfcheck_item_for(*, scope: Scope, pk: int, action: Action = EDIT, lock: bool = False) -> SelfCheckItem:
    """The item with its checklist and project if the scope may do `action` with it, else 404; with `lock` (inside a
    transaction) the item's row is locked FOR UPDATE, not its checklist's or project's. Checked as
    `get_selfcheck_for` is; a refused lock is released with the 404's rollback."""
    item = _one("item_locked" if lock else "item", pk)
    if not scope.allows_cell(SelfCheckItemQuerySet.actions[action], item.selfcheck.project_id, item.selfcheck.function):
        raise Http404
    return item


def get_deliverable_for(*, scope: Scope, pk: int, action: Action = VIEW) -> Deliverable:
    return get_object_or_404(Deliverable.objects.for_scope(scope, action).select_related("item__selfcheck"), pk=pk)


# -- the checklist page ----------------------------------------------------------------------------------------------


@dataclass
class StageGroup:
    name: str
    items: list[SelfCheckItem] = field(default_factory=list)


@dataclass(frozen=True)
class ChecklistPage:
    selfcheck: SelfCheck
    groups: list[StageGroup]
    progress: Progress
    due: dt.date
    days_left: int
    label: str

    @property
    def deadline(self) -> str:
        """今天截止 on the due date, the days left before it, or that it has passed (deadlines.deadline_label)."""
        return deadline_label(self.days_left)


def attach_files(items: list[SelfCheckItem], files: Iterable[Deliverable]) -> None:
    """Each item's files in the order given (upload order) as `item.file_list`, from one query (a prefetch cost a
    related manager per item)."""
    by_item: dict[int, list[Deliverable]] = defaultdict(list)
    for deliverable in files:
        by_item[deliverable.item_id].append(deliverable)
    for item in items:
        item.file_list = by_item[item.pk]


@cache
def history_count_sql() -> str:
    """How many entries each item's history shows (`item_history_entries`, counted by the database): its item
    records that are the first, a creation or a change of answer, plus its file uploads and removals — one
    statement for a whole checklist, built from the history tables' names once per process."""
    q = connection.ops.quote_name
    items, files = q(SelfCheckItem.history.model._meta.db_table), q(Deliverable.history.model._meta.db_table)
    window = f"OVER (PARTITION BY {q('id')} ORDER BY {q('history_date')}, {q('history_id')})"
    changed = " OR ".join(f"{q(c)} <> {q('previous_' + c)}" for c in ("status", "na_reason", "note"))
    return (
        f"SELECT item, COUNT(*) FROM ("  # nosec B608: table and column names from the models, values as parameters
        f"SELECT {q('id')} AS item, {q('history_type')} AS kind, {q('status')}, {q('na_reason')}, {q('note')}, "
        f"LAG({q('status')}) {window} AS {q('previous_status')}, LAG({q('na_reason')}) {window} AS {q('previous_na_reason')}, "
        f"LAG({q('note')}) {window} AS {q('previous_note')}, ROW_NUMBER() {window} AS n FROM {items} WHERE {q('id')} IN (%s)"
        f") records WHERE n = 1 OR kind = '+' OR {changed} GROUP BY item "
        f"UNION ALL SELECT {q('item_id')}, COUNT(*) FROM {files} "
        f"WHERE {q('item_id')} IN (%s) AND {q('history_type')} IN ('+', '-') GROUP BY {q('item_id')}"
    )


def decorate_items(items: list[SelfCheckItem]) -> None:
    """Attach each item's history count (item changes and file uploads) in one query for all items; the entries
    themselves are read only when someone opens them (item_history)."""
    counts: dict[int, int] = defaultdict(int)
    ids = [item.pk for item in items]
    if ids:
        placeholders = ", ".join(["%s"] * len(ids))
        with connection.cursor() as cursor:
            cursor.execute(history_count_sql().replace("%s", placeholders), [*ids, *ids])  # nosec B608: ids only
            for item_id, n in cursor.fetchall():
                counts[item_id] += n
    for item in items:
        item.history_count = counts[item.pk]


def item_history(*, item: SelfCheckItem) -> list[HistoryEntry]:
    """Every change of one item and its files, newest first (SPEC §7), in two queries."""
    records = SelfCheckItem.history.filter(id=item.pk).select_related("history_user__person")
    files = Deliverable.history.filter(item_id=item.pk).select_related("history_user__person")
    entries = item_history_entries(records.order_by("history_date", "history_id")) + file_history_entries(
        files.order_by("history_date", "history_id")
    )
    return sorted(entries, key=lambda e: e.when, reverse=True)


def item_with_context(*, item: SelfCheckItem) -> SelfCheckItem:
    """One item reloaded for its card (files and history), with its checklist: after every upload and removal."""
    item = _one("item", item.pk)
    attach_files([item], _by_key("item_files", connection.alias).instances(item.pk))
    decorate_items([item])
    return item


@cache
def _progress_sql() -> str:
    """Each item's weight and answer for one checklist, built from the model's names once per process: the answer to
    every tick reads it, and the ORM took longer to build the statement than the database to run it."""
    q, meta = connection.ops.quote_name, SelfCheckItem._meta
    weight, status, selfcheck = (q(meta.get_field(name).column) for name in ("weight", "status", "selfcheck"))
    return f"SELECT {weight}, {status} FROM {q(meta.db_table)} WHERE {selfcheck} = %s"  # nosec B608: model names only


def selfcheck_progress(*, selfcheck: SelfCheck) -> Progress:
    """The checklist's weighted progress (`progress_of`), from its items' weights and answers. One query."""
    with connection.cursor() as cursor:
        cursor.execute(_progress_sql(), [selfcheck.pk])
        return progress_of(cursor.fetchall())


def item_state(*, item: SelfCheckItem) -> Progress:
    """After a tick: the item's history count (as `decorate_items` attaches it) and its checklist's progress (as
    `selfcheck_progress` gives it), from one statement, the two queries' rows side by side, where each cost a round
    trip of its own on every tick."""
    sql = (
        f"SELECT 0, p.*, NULL, NULL FROM ({_progress_sql()}) p "  # nosec B608: statements built from the models
        f"UNION ALL SELECT 1, NULL, NULL, h.* FROM ({history_count_sql()}) h"
    )
    answers, count = [], 0
    with connection.cursor() as cursor:
        cursor.execute(sql, [item.selfcheck_id, item.pk, item.pk])
        for kind, weight, status, _item, n in cursor.fetchall():
            if kind == 0:
                answers.append((weight, status))
            else:
                count += n
    item.history_count = count
    return progress_of(answers)


def checklist_page(*, selfcheck: SelfCheck, today: dt.date) -> ChecklistPage:
    """Everything the checklist page shows, in a fixed number of queries whatever the number of items."""
    items = _by_key("checklist_items", connection.alias).instances(selfcheck.pk)
    for item in items:
        item.selfcheck = selfcheck  # as selfcheck.items.all() would give them
    attach_files(items, _by_key("checklist_files", connection.alias).instances(selfcheck.pk))
    decorate_items(items)
    groups: list[StageGroup] = []
    for item in items:
        if not groups or groups[-1].name != item.stage_name:
            groups.append(StageGroup(item.stage_name or _("未分阶段")))
        groups[-1].items.append(item)
    due = dates.due_date(selfcheck.year, selfcheck.month)
    return ChecklistPage(
        selfcheck=selfcheck,
        groups=groups,
        progress=progress_of((item.weight, item.status) for item in items),
        due=due,
        days_left=(due - today).days,
        label=dates.month_label(selfcheck.year, selfcheck.month),
    )


# -- overviews -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellMonth:
    year: int
    month: int
    status: CellMonthStatus
    selfcheck_id: int | None = None
    percent: int = 0

    @property
    def month_text(self) -> str:
        """The month as URLs and commands write it, e.g. 2026-11."""
        return f"{self.year}-{self.month:02d}"


@dataclass(frozen=True)
class CellRow:
    project: Project
    function: Function
    months: list[CellMonth]

    @property
    def latest(self) -> CellMonth:
        return self.months[-1]


@dataclass(frozen=True)
class Overview:
    year: int
    months: list[tuple[int, int]]
    rows: list[CellRow]
    counts: dict[CellMonthStatus, int]  # of the last month shown

    @property
    def count_items(self) -> list[tuple[CellMonthStatus, int]]:
        return [(status, self.counts.get(status, 0)) for status in CellMonthStatus if status != "none"]


def months_of(year: int, today: dt.date) -> list[tuple[int, int]]:
    """The months of a year so far (all twelve for a past year, none for a future one)."""
    if year > today.year:
        return []
    last = today.month if year == today.year else 12
    return [(year, m) for m in range(1, last + 1)]


def cell_month_statuses(*, scope: Scope, months: list[tuple[int, int]], today: dt.date) -> Overview:
    """Every cell the user may read × the given months, with each cell-month's status; three queries.

    A cell is listed when a touchpoint applies to it now or it has a checklist in one of the months.
    """
    year = months[0][0] if months else today.year
    month_q = Q(pk__in=[])
    for y, m in months:
        month_q |= Q(year=y, month=m)
    checks = (
        SelfCheck.objects.filter(scope.cell_q())
        .filter(month_q)
        .annotate(
            total_weight=Sum("items__weight"),
            answered_weight=Sum("items__weight", filter=~Q(items__status="")),
            answered=Count("items", filter=~Q(items__status="")),
        )
        .values(
            "id", "project_id", "function", "year", "month", "state", "is_late", "total_weight", "answered_weight", "answered"
        )
    )
    by_cell_month = {(c["project_id"], c["function"], c["year"], c["month"]): c for c in checks}
    project_ids_with_checks = {key[0] for key in by_cell_month}
    projects = list(Project.objects.filter(Q(is_active=True) | Q(pk__in=project_ids_with_checks)).order_by("code"))
    applicable = applicable_counts({p.pk for p in projects if p.is_active})
    rows: list[CellRow] = []
    for project in projects:
        for function in Function:
            if not scope.can_read_cell(project.pk, function.value):
                continue
            applies_now = bool(applicable.get((project.pk, function.value))) and project.is_active
            has_checks = any((project.pk, function.value, y, m) in by_cell_month for y, m in months)
            if not (applies_now or has_checks):
                continue
            cells = []
            for y, m in months:
                check = by_cell_month.get((project.pk, function.value, y, m))
                status = cell_month_status(
                    year=y,
                    month=m,
                    today=today,
                    state=check["state"] if check else None,
                    answered=check["answered"] if check else 0,
                    is_late=check["is_late"] if check else False,
                    applies_now=applies_now,
                )
                percent = (check["answered_weight"] or 0) * 100 // check["total_weight"] if check and check["total_weight"] else 0
                cells.append(CellMonth(y, m, status, check["id"] if check else None, percent))
            rows.append(CellRow(project, function, cells))
    counts = Counter(row.months[-1].status for row in rows if row.months)
    return Overview(year=year, months=months, rows=rows, counts=dict(counts))


def open_selfchecks(*, year: int, month: int) -> QuerySet[SelfCheck]:
    """The month's checklists not submitted yet (for reminders, SPEC §9)."""
    return (
        SelfCheck.objects.filter(year=year, month=month)
        .exclude(state=SelfCheckState.SUBMITTED)
        .select_related("project")
        .order_by("project__code", "function")
    )


# -- home ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeadChecklist:
    """A lead's cell this month on the home page: its checklist (if generated) and its progress."""

    project: Project
    function: Function
    cell: CellMonth


def lead_checklists(*, scope: Scope, today: dt.date) -> list[LeadChecklist]:
    if not scope.led_cells:
        return []
    narrowed = scope.as_lead()  # only the cells they lead, not those they read as director or head
    overview = cell_month_statuses(scope=narrowed, months=[(today.year, today.month)], today=today)
    return [LeadChecklist(row.project, row.function, row.months[0]) for row in overview.rows]
