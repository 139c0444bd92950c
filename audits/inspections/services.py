"""Writes to quarterly inspections (R5b, SPEC §3): open, record a verdict, finalise, reopen, import paper results.

Every write records who made it (django-simple-history `_history_user`). Nothing of a published quarter is ever
changed (SPEC §7): every service here refuses once `core.publication.quarter_is_published` says so.
Callers decide access through `core.access.scope_for` (only operations reach these services from the web).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from core import dates
from core.dates import Quarter
from core.publication import quarter_is_published
from touchpoints.choices import Function
from touchpoints.models import Assignment, Project

from ..choices import VERDICT_CHOICES, InspectionSource, InspectionState
from ..item_summary import inspection_store_tally
from ..models import Inspection, InspectionItem, InspectionParticipant, SelfCheckItem
from ..rectifications.services import rectifications_open, rectifications_withdraw
from .selectors import (  # noqa: F401
    ItemSource,
    catalogue_touchpoints,
    inspection_new_sources,
    inspection_sources,
    quarter_claims,
)

if TYPE_CHECKING:
    from .spreadsheets import InspectionPlan


class InspectionRefused(Exception):
    """A change a rule forbids; the message says why, in Chinese, for the person who asked."""


class InspectionIncomplete(InspectionRefused):
    """Finalising needs a verdict on every item; `missing` lists the items without one."""

    def __init__(self, missing: list[InspectionItem]):
        self.missing = missing
        codes = "、".join(item.code for item in missing)
        super().__init__(
            _("还有 {n} 项未给出检查结果,不能定稿:{codes}").format(n=len(missing), codes=codes),
        )


def quarter_of(inspection: Inspection) -> Quarter:
    return Quarter(inspection.year, inspection.quarter)


def refuse_if_published(quarter: Quarter) -> None:
    """SPEC §7: a published quarter is never edited; corrections are amendments."""
    if quarter_is_published(quarter):
        raise InspectionRefused(
            _("{quarter} 的考核结果已发布,检查不能再修改;如需更正请由运营管理部发起修订。").format(quarter=quarter)
        )


def _save(instance, user: AbstractBaseUser | None, reason: str) -> None:
    if user is not None:
        instance._history_user = user
    instance._change_reason = reason
    instance.save()


# ---------------------------------------------------------------------------------------------------------------
# Opening: the union of the quarter's self-check items, or the catalogue snapshot


def _new_item(inspection: Inspection, source: ItemSource, user: AbstractBaseUser | None) -> InspectionItem:
    item = InspectionItem(
        inspection=inspection,
        claimed_status=source.claimed_status,
        claimed_note=source.claimed_note,
        updated_by=user,
    )
    snapshot = source.snapshot
    if isinstance(snapshot, SelfCheckItem):
        for name in (
            "touchpoint_id",
            "code",
            "name",
            "stage_name",
            "stage_order",
            "level_name",
            "weight",
            "standard_action",
            "check_method",
            "deliverable",
            "frequency",
        ):
            setattr(item, name, getattr(snapshot, name))
    else:
        item.copy_from(snapshot)
    return item


def refuse_if_not_started(quarter: Quarter) -> None:
    """A quarter that has not started has nothing to inspect yet."""
    if quarter.first_day > dates.local_today():
        raise InspectionRefused(_("{quarter} 尚未开始,不能检查。").format(quarter=quarter))


def inspection_start_refusal(*, quarter: Quarter) -> str | None:
    """Why operations cannot start an inspection of the quarter now (published, not started), or None."""
    try:
        refuse_if_published(quarter)
        refuse_if_not_started(quarter)
    except InspectionRefused as exc:
        return str(exc)
    return None


def inspection_open(*, project: Project, function: str, quarter: Quarter, user: AbstractBaseUser | None) -> Inspection | None:
    """Get the cell's inspection of the quarter, creating it on first open (operations only, on a POST).

    A new inspection starts from `inspection_sources`; an open one gains the items self-checks added since. Returns
    None when the cell has no item at all (R6: not assessed). Refuses a published or not yet started quarter.
    """
    Function(function)
    existing = Inspection.objects.filter(project=project, function=function, year=quarter.year, quarter=quarter.number).first()
    if existing is not None:
        existing.project = project
        if existing.state == InspectionState.IN_PROGRESS and not quarter_is_published(quarter):
            inspection_add_new_items(inspection=existing, user=user)
        return existing
    refuse_if_published(quarter)
    refuse_if_not_started(quarter)
    sources = inspection_sources(project=project, function=function, quarter=quarter)
    if not sources:
        return None
    try:
        with transaction.atomic():
            inspection = Inspection(
                project=project,
                function=function,
                year=quarter.year,
                quarter=quarter.number,
                state=InspectionState.IN_PROGRESS,
                source=InspectionSource.WEB,
                created_by=user,
            )
            _save(inspection, user, "开始季度检查")
            participant_add(inspection=inspection, user=user)
            bulk_create_with_history(
                [_new_item(inspection, s, user) for s in sources],
                InspectionItem,
                default_user=user,
                default_change_reason="开始季度检查",
            )
            inspection_store_tally(inspection=inspection)
    except IntegrityError:  # opened at the same moment by another inspector
        return Inspection.objects.get(project=project, function=function, year=quarter.year, quarter=quarter.number)
    return inspection


def inspection_add_new_items(*, inspection: Inspection, user: AbstractBaseUser | None) -> int:
    """Add to an open inspection the self-check items whose codes appeared after it was created; returns how many."""
    new = inspection_new_sources(inspection=inspection)
    if new:
        with transaction.atomic():
            bulk_create_with_history(
                [_new_item(inspection, s, user) for s in new],
                InspectionItem,
                default_user=user,
                default_change_reason="补充自检新增的检查项",
            )
            inspection_store_tally(inspection=inspection)
    return len(new)


# ---------------------------------------------------------------------------------------------------------------
# Verdicts, finalising, reopening


def _refuse_unless_editable(inspection: Inspection) -> None:
    refuse_if_published(quarter_of(inspection))
    if inspection.state == InspectionState.FINALISED:
        raise InspectionRefused(_("检查已定稿,需先重新打开才能修改。"))


def assessed_unit_of(*, user: AbstractBaseUser | None, inspection: Inspection) -> Assignment | None:
    """R5b: an assignment of the user, overlapping the inspection's quarter, in a unit the cell falls in — its project
    or its city-wide function — or None. Team members count too: they share the unit's reward or penalty (R14)."""
    if user is None:
        return None
    quarter = quarter_of(inspection)
    return (
        Assignment.objects.filter(person__user=user)
        .overlapping(quarter.first_day, quarter.last_day)
        .filter(Q(project_id=inspection.project_id) | Q(project__isnull=True, function=inspection.function))
        .select_related("project")
        .first()
    )


def refuse_if_assessed(*, user: AbstractBaseUser | None, inspection: Inspection) -> None:
    """R5b: nobody records a verdict on a cell of a unit in which they are assessed that quarter."""
    assignment = assessed_unit_of(user=user, inspection=inspection)
    if assignment is not None:
        raise InspectionRefused(
            _("您在{quarter}是「{unit}」的{role},不能给本考核单元的触点检查打分(不能检查自己的工作)。").format(
                quarter=quarter_of(inspection).label, unit=assignment.unit_label, role=assignment.get_role_display()
            )
        )


def participant_add(*, inspection: Inspection, user: AbstractBaseUser | None) -> None:
    """R5b: each inspection records who took part (opened, judged, finalised). Idempotent."""
    if user is not None and user.pk is not None:
        InspectionParticipant.objects.get_or_create(inspection=inspection, user=user)


def inspection_item_record(*, item: InspectionItem, verdict: str, finding: str, user: AbstractBaseUser | None) -> InspectionItem:
    """Record the inspector's verdict (done / not done / not applicable, or blank to clear it) and finding (说明).

    R5b: refused for anyone assessed in a unit the cell falls in that quarter; records who judged and that they took
    part. Which cells a user may judge at all (their function, or every cell for operations) the views decide through
    `selectors.inspections.editable_items`.
    """
    _refuse_unless_editable(item.inspection)
    if verdict not in ("", *(value for value, _label in VERDICT_CHOICES)):
        raise InspectionRefused(_("无效的检查结果:{value}").format(value=verdict))
    refuse_if_assessed(user=user, inspection=item.inspection)
    finding = (finding or "").strip()
    if (item.verdict, item.finding) == (verdict, finding):
        return item
    item.verdict = verdict
    item.finding = finding
    item.updated_by = user
    item.judged_by = user if verdict else None
    with transaction.atomic():
        _save(item, user, "记录检查结果")
        participant_add(inspection=item.inspection, user=user)
        inspection_store_tally(inspection=item.inspection)
    return item


@transaction.atomic
def inspection_finalise(*, inspection: Inspection, user: AbstractBaseUser | None) -> Inspection:
    """Finalise: needs a verdict on every item (SPEC §3); only finalised inspections count in the score (SPEC §5)."""
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    _refuse_unless_editable(inspection)
    items = list(inspection.items.order_by("stage_order", "code"))
    if not items:
        raise InspectionRefused(_("没有检查项,无需定稿(不列入考核)。"))
    missing = [item for item in items if not item.verdict]
    if missing:
        raise InspectionIncomplete(missing)
    inspection.state = InspectionState.FINALISED
    inspection.finalised_at = timezone.now()
    inspection.finalised_by = user
    _save(inspection, user, "检查定稿")
    participant_add(inspection=inspection, user=user)
    rectifications_open(inspection=inspection, user=user)  # SPEC §14: one per 未完成 item
    return inspection


@transaction.atomic
def inspection_reopen(*, inspection: Inspection, reason: str, user: AbstractBaseUser | None) -> Inspection:
    """Reopen a finalised inspection, with a reason, until the quarter is published — never after (SPEC §7)."""
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    refuse_if_published(quarter_of(inspection))
    reason = (reason or "").strip()
    if not reason:
        raise InspectionRefused(_("请填写重新打开的原因。"))
    if inspection.state != InspectionState.FINALISED:
        raise InspectionRefused(_("检查尚未定稿,无需重新打开。"))
    inspection.state = InspectionState.IN_PROGRESS
    inspection.reopen_reason = reason
    inspection.finalised_at = None
    inspection.finalised_by = None
    _save(inspection, user, "重新打开检查")
    rectifications_withdraw(inspection=inspection, user=user)  # SPEC §14: the untouched ones it opened
    return inspection


# ---------------------------------------------------------------------------------------------------------------
# Paper inspections (SPEC §10)


@dataclass(frozen=True)
class InspectionImportSummary:
    created: int
    replaced: int
    items: int


@transaction.atomic
def inspection_import(*, plan: InspectionPlan, user: AbstractBaseUser | None = None) -> InspectionImportSummary:
    """Apply a validated plan: each (project, function) group becomes one finalised inspection (source: import).

    Its items are exactly the group's rows, snapshot from the touchpoint now, claimed status from the quarter's
    self-checks if any. An earlier inspection of the cell is replaced (its items are removed, with history).
    """
    quarter = plan.quarter
    refuse_if_published(quarter)
    if dates.local_today() < quarter.first_day:  # a plan read before midnight of a quarter's eve is still refused
        raise InspectionRefused(_("{quarter} 尚未开始,不能导入该季度的检查结果").format(quarter=quarter))
    claims = quarter_claims(cells={(g.project.pk, g.function.value) for g in plan.groups}, quarter=quarter)
    now = timezone.now()
    created = replaced = count = 0
    reason = "导入纸质检查结果"
    for group in plan.groups:
        inspection = (
            Inspection.objects.select_for_update()
            .filter(project=group.project, function=group.function, year=quarter.year, quarter=quarter.number)
            .first()
        )
        if inspection is None:
            inspection = Inspection(
                project=group.project, function=group.function, year=quarter.year, quarter=quarter.number, created_by=user
            )
            created += 1
        else:
            rectifications_withdraw(inspection=inspection, user=user)  # SPEC §14: a replaced result opens afresh
            for old in inspection.items.all():
                if user is not None:
                    old._history_user = user
                old._change_reason = reason
                old.delete()
            replaced += 1
        inspection.state = InspectionState.FINALISED
        inspection.source = InspectionSource.IMPORT
        inspection.finalised_at = now
        inspection.finalised_by = user
        inspection.reopen_reason = ""
        _save(inspection, user, reason)
        participant_add(inspection=inspection, user=user)
        cell_claims = claims.get((group.project.pk, group.function.value), {})
        items = []
        for row in group.rows:
            claim = cell_claims.get(row.touchpoint.code)
            item = InspectionItem(
                inspection=inspection,
                claimed_status=claim.status if claim else "",
                claimed_note=claim.note if claim else "",
                verdict=row.verdict,
                finding=row.finding,
                updated_by=user,
                judged_by=user,  # R5b: the paper verdicts are recorded in the name of whoever imports them
            )
            item.copy_from(row.touchpoint)
            items.append(item)
        bulk_create_with_history(items, InspectionItem, default_user=user, default_change_reason=reason)
        inspection_store_tally(inspection=inspection)
        rectifications_open(inspection=inspection, user=user)  # SPEC §14: paper inspections open theirs the same way
        count += len(items)
    return InspectionImportSummary(created=created, replaced=replaced, items=count)
