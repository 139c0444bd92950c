"""Writes of the monthly self-check (月度自检, SPEC §3, R8): generation, answers, deliverables, submission, reopening.

Every write names who made it in the item's history (django-simple-history, SPEC §7). Refusals raise
``ValidationError`` with a Chinese message and change nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from audits.choices import ItemStatus, SelfCheckState
from audits.item_summary import item_summary
from audits.models import Deliverable, SelfCheck, SelfCheckItem
from audits.selfchecks import selectors
from audits.selfchecks.uploads import MAX_FILES_PER_ITEM, CheckedFile, deliverable_check
from core import dates
from core.access import EDIT, Scope, scope_for
from notifications.choices import NotificationKind
from notifications.services import notify_later
from touchpoints import frequency
from touchpoints.choices import Function, Role
from touchpoints.models import Assignment, Project, Touchpoint

GENERATED_REASON = "生成月度自检"


# -- pure rules ------------------------------------------------------------------------------------------------------


def answer_problem(
    *, status: str, na_reason: str, requires_deliverable: bool, file_count: int, event_driven: bool = False
) -> str | None:
    """Why an answer is refused, or None when it may be saved (SPEC §3)."""
    if status and status not in ItemStatus.values:
        return _("完成情况无效")
    if status == ItemStatus.NOT_OCCURRED and not event_driven:
        # SPEC §3: only an event-driven (按事件) item may be answered 本月未发生.
        return _("只有按事件发生的触点可以选择「本月未发生」")
    if status == ItemStatus.NA and not na_reason.strip():
        return _("选择「不适用」时必须填写原因")
    if status == ItemStatus.DONE and requires_deliverable and file_count == 0:
        return _("该触点要求交付件,请先上传交付件再标记为「完成」")
    return None


def unanswered_codes(items: Iterable[SelfCheckItem]) -> list[str]:
    """A checklist is complete when every item has an answer."""
    return [item.code for item in items if not item.status]


# -- generation ------------------------------------------------------------------------------------------------------


def _applicable_by_cell(projects: Sequence[Project], *, month: int) -> dict[tuple[int, str], list[Touchpoint]]:
    """Active touchpoints per (project, function) whose stage is active in the project now (SPEC §3 snapshot rule)
    and that are due in the month (SPEC §3 Frequency: quarterly in the quarter's last month, yearly in its month)."""
    by_stage: dict[tuple[str, int], list[Touchpoint]] = defaultdict(list)
    for touchpoint in Touchpoint.objects.active().select_related("stage", "level").order_by("stage__order", "code"):
        if not frequency.is_due(frequency=touchpoint.frequency, yearly_month=touchpoint.yearly_month, month=month):
            continue
        by_stage[(touchpoint.function, touchpoint.stage_id)].append(touchpoint)
    cells: dict[tuple[int, str], list[Touchpoint]] = {}
    for project in projects:
        stage_ids = [stage.pk for stage in project.stages.all()]
        for function in Function.values:
            touchpoints = [tp for stage_id in stage_ids for tp in by_stage.get((function, stage_id), [])]
            if touchpoints:
                cells[(project.pk, function)] = sorted(touchpoints, key=lambda tp: (tp.stage.order, tp.code))
    return cells


def _create_checklist(
    *, project: Project, function: str, year: int, month: int, touchpoints: list[Touchpoint]
) -> SelfCheck | None:
    """Create one checklist with its item snapshot, or return None if it already exists (unique constraint)."""
    try:
        with transaction.atomic():
            selfcheck = SelfCheck(project=project, function=function, year=year, month=month)
            items = []
            for touchpoint in touchpoints:
                item = SelfCheckItem(selfcheck=selfcheck)
                item.copy_from(touchpoint)
                items.append(item)
            # Stored once, with the items, so that no page counts them again (audits.item_summary).
            for name, value in item_summary((item.code, item.weight) for item in items).items():
                setattr(selfcheck, name, value)
            selfcheck._change_reason = GENERATED_REASON
            selfcheck.save()
            bulk_create_with_history(items, SelfCheckItem, default_change_reason=GENERATED_REASON)
    except IntegrityError:
        return None  # generated meanwhile by another run: nothing is created twice
    return selfcheck


def checklists_generate(*, year: int, month: int) -> int:
    """Create the missing checklists of a month for every active project × function with ≥1 applicable touchpoint.

    Items snapshot code, name, level and weight of the touchpoints whose stage is active in the project now (SPEC §3).
    Idempotent: existing checklists are skipped and the unique constraint refuses a concurrent duplicate. Returns how
    many checklists were created.
    """
    dates.month_label(year, month)  # validates the month
    projects = list(Project.objects.filter(is_active=True).prefetch_related("stages"))
    cells = _applicable_by_cell(projects, month=month)
    existing = set(SelfCheck.objects.filter(year=year, month=month).values_list("project_id", "function"))
    by_id = {project.pk: project for project in projects}
    created = 0
    for (project_id, function), touchpoints in sorted(cells.items(), key=lambda kv: (by_id[kv[0][0]].code, kv[0][1])):
        if (project_id, function) in existing:
            continue
        if _create_checklist(project=by_id[project_id], function=function, year=year, month=month, touchpoints=touchpoints):
            created += 1
    return created


def cell_has_checklist_items(*, project: Project, function: str, month: int) -> bool:
    """Whether the cell's checklist of the month would have items now (an active project, applicable touchpoints due
    that month, SPEC §3 Frequency). Reads only."""
    return project.is_active and bool(_applicable_by_cell([project], month=month).get((project.pk, function)))


def selfcheck_get_or_generate(*, project: Project, function: str, year: int, month: int) -> SelfCheck | None:
    """The cell's checklist of the month, generated if missing (a POST or a job); None when no touchpoint applies."""
    found = SelfCheck.objects.filter(project=project, function=function, year=year, month=month).first()
    if found is not None:
        return found
    if not project.is_active:
        return None
    touchpoints = _applicable_by_cell([project], month=month).get((project.pk, function))
    if not touchpoints:
        return None
    created = _create_checklist(project=project, function=function, year=year, month=month, touchpoints=touchpoints)
    return created or SelfCheck.objects.get(project=project, function=function, year=year, month=month)


# What an answer changes (`updated_at` is auto_now: it is written because it is named here).
ANSWER_FIELDS = ("status", "na_reason", "note", "copied_from_last_month", "updated_by", "updated_at")

# -- answers ---------------------------------------------------------------------------------------------------------


def _require_editable(*, selfcheck: SelfCheck, user: Any) -> None:
    if not scope_for(user).can_edit_cell(selfcheck.project_id, selfcheck.function):
        raise ValidationError(_("只有本项目该职能的职能经理可以填写这张自检表"))
    if selfcheck.state == SelfCheckState.SUBMITTED:
        raise ValidationError(_("自检表已提交,不能再修改;如需修改请联系运营管理部退回"))


@transaction.atomic
def selfcheck_item_update(
    *, item: SelfCheckItem, user: Any, status: str, note: str, na_reason: str = ""
) -> tuple[SelfCheckItem, bool]:
    """Save a lead's answer to one item; returns the item and whether anything changed.

    Refused (ValidationError, nothing saved): the checklist is submitted, the user is not the cell's lead, N/A without a
    reason, or done without a file when the touchpoint expects a deliverable.
    """
    item = SelfCheckItem.objects.select_for_update().select_related("selfcheck").get(pk=item.pk)
    return _answer(item=item, user=user, status=status, note=note, na_reason=na_reason)


@transaction.atomic
def selfcheck_item_answer(
    *, scope: Scope, pk: int, user: Any, status: str, note: str, na_reason: str = ""
) -> tuple[SelfCheckItem, bool]:
    """The tick (htmx): `selfcheck_item_update` of the item `pk` if `scope` may edit it, else Http404 and nothing
    saved. The item, its checklist and project are read once, access-checked and locked in the same statement (the
    item's row only), where the view used to read them once to check access and the service again to lock them."""
    item = selectors.get_selfcheck_item_for(scope=scope, pk=pk, action=EDIT, lock=True)
    return _answer(item=item, user=user, status=status, note=note, na_reason=na_reason)


def _answer(*, item: SelfCheckItem, user: Any, status: str, note: str, na_reason: str) -> tuple[SelfCheckItem, bool]:
    """Check and save an answer to an item read under its row lock (SPEC R8; the rules in `answer_problem`)."""
    _require_editable(selfcheck=item.selfcheck, user=user)
    na_reason = na_reason.strip() if status == ItemStatus.NA else ""
    problem = answer_problem(
        status=status,
        na_reason=na_reason,
        requires_deliverable=item.requires_deliverable,
        # The files are counted only when they decide (a "done" that needs a deliverable): most ticks need no count.
        file_count=item.files.count() if status == ItemStatus.DONE and item.requires_deliverable else 0,
        event_driven=item.is_event_driven,
    )
    if problem:
        raise ValidationError(problem)
    note = note.strip()
    if (item.status, item.na_reason, item.note) == (status, na_reason, note):
        return item, False
    item.status, item.na_reason, item.note = status, na_reason, note
    item.copied_from_last_month = False  # SPEC §16: 沿用上月 until the lead touches the item
    item.updated_by = user
    item._history_user = user
    item.save(update_fields=ANSWER_FIELDS)
    return item, True


# -- deliverables ----------------------------------------------------------------------------------------------------


@transaction.atomic
def deliverables_add(*, item: SelfCheckItem, user: Any, uploads: Sequence[tuple[IO[bytes], str, int]]) -> list[Deliverable]:
    """Attach files (file, original name, size) to an item. Every file is checked first; one refusal stores none."""
    item = SelfCheckItem.objects.select_for_update().select_related("selfcheck__project").get(pk=item.pk)
    _require_editable(selfcheck=item.selfcheck, user=user)
    if not uploads:
        raise ValidationError(_("请选择要上传的文件"))
    if item.files.count() + len(uploads) > MAX_FILES_PER_ITEM:
        raise ValidationError(_("每个自检项最多上传 {n} 个文件").format(n=MAX_FILES_PER_ITEM))
    checked: list[tuple[IO[bytes], str, CheckedFile]] = [
        (file, name, deliverable_check(file=file, name=name, size=size)) for file, name, size in uploads
    ]
    created = []
    for file, name, check in checked:
        deliverable = Deliverable(
            item=item,
            original_name=name[-255:],
            size=check.size,
            content_type=check.content_type,
            sha256=check.sha256,
            uploaded_by=user,
        )
        # A random stored name: the user's file name never reaches the file system.
        deliverable.file.save(f"{uuid.uuid4().hex}.{check.extension}", File(file), save=False)
        deliverable._history_user = user
        deliverable.save()
        created.append(deliverable)
    _touched(item, user)
    return created


def _touched(item: SelfCheckItem, user: Any) -> None:
    """A lead's change to a copied item's files ends its 沿用上月 mark (SPEC §16)."""
    if item.copied_from_last_month:
        item.copied_from_last_month = False
        item.updated_by = user
        item._history_user = user
        item.save(update_fields=["copied_from_last_month", "updated_by", "updated_at"])


@transaction.atomic
def deliverable_remove(*, deliverable: Deliverable, user: Any) -> SelfCheckItem:
    """Remove a file from an open checklist; refused if it would leave a done item without its required file."""
    item = SelfCheckItem.objects.select_for_update().select_related("selfcheck").get(pk=deliverable.item_id)
    _require_editable(selfcheck=item.selfcheck, user=user)
    if item.status == ItemStatus.DONE and item.requires_deliverable and item.files.count() <= 1:
        raise ValidationError(_("该项已标记为「完成」且要求交付件,不能删除最后一个文件;请先修改完成情况"))
    storage, path = deliverable.file.storage, deliverable.file.name
    deliverable._history_user = user
    deliverable.delete()
    transaction.on_commit(lambda: storage.delete(path))
    _touched(item, user)
    return item


# -- submission and reopening ----------------------------------------------------------------------------------------


@transaction.atomic
def selfcheck_submit(*, selfcheck: SelfCheck, user: Any, now: dt.datetime | None = None) -> SelfCheck:
    """Submit a complete checklist; from then on it is read-only (R8).

    Accepted after the due date (the 30th, or February's last day) and then marked late (R8 Decision). Refused while
    any item is unanswered, naming them.
    """
    selfcheck = SelfCheck.objects.select_for_update().get(pk=selfcheck.pk)
    _require_editable(selfcheck=selfcheck, user=user)
    missing = unanswered_codes(selfcheck.items.only("code", "status"))
    if missing:
        raise ValidationError(
            _("还有 {n} 项未填写,不能提交:{codes}").format(n=len(missing), codes="、".join(missing)),
        )
    now = now or timezone.now()
    selfcheck.state = SelfCheckState.SUBMITTED
    selfcheck.submitted_at = now
    selfcheck.submitted_by = user
    selfcheck.is_late = dates.is_late(now, selfcheck.year, selfcheck.month)  # R8: after 23:59:59 of the due date
    selfcheck._history_user = user
    selfcheck._change_reason = "提交"
    selfcheck.save()
    return selfcheck


def _cell_leads(selfcheck: SelfCheck) -> list[Any]:
    assignments = (
        Assignment.objects.current(dates.local_today())
        .filter(role=Role.FUNCTIONAL_MANAGER, project_id=selfcheck.project_id, function=selfcheck.function)
        .select_related("person__user")
    )
    return [a.person.user for a in assignments if a.person.user is not None]


def selfcheck_reopen(*, selfcheck: SelfCheck, user: Any, reason: str) -> SelfCheck:
    """Operations send a submitted checklist back to its lead with a reason (R8 Decision); the lead is notified."""
    scope = scope_for(user)
    if not scope.can_operate:
        raise ValidationError(_("只有运营管理部可以退回自检表"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("请填写退回原因"))
    with transaction.atomic():
        selfcheck = SelfCheck.objects.select_for_update().select_related("project").get(pk=selfcheck.pk)
        if selfcheck.state != SelfCheckState.SUBMITTED:
            raise ValidationError(_("这张自检表尚未提交,无需退回"))
        selfcheck.state = SelfCheckState.OPEN
        selfcheck.submitted_at = None
        selfcheck.submitted_by = None
        selfcheck.is_late = False
        selfcheck.confirmed_at = None  # R5a: a reopened month is signed again after its next submission
        selfcheck.confirmed_by = None
        selfcheck.reopen_reason = reason
        selfcheck._history_user = user
        selfcheck._change_reason = reason[:100]
        selfcheck.save()
        # In the same transaction: the outbox delivers the e-mail after commit (SPEC §7, notifications.services).
        stamp = timezone.now().strftime("%Y%m%d%H%M%S")
        params = {
            "project": selfcheck.project.name,
            "function": selfcheck.function,
            "year": selfcheck.year,
            "month": selfcheck.month,
            "reason": reason,
        }
        for lead in _cell_leads(selfcheck):
            notify_later(
                user=lead,
                kind=NotificationKind.SELFCHECK_REOPENED,
                period=f"{selfcheck.year}-{selfcheck.month:02d}/{selfcheck.pk}/{stamp}"[:40],
                params=params,
                url=reverse("audits:selfcheck_detail", args=[selfcheck.pk]),
            )
    return selfcheck
