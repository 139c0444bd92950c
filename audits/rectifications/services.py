"""Writes of rectifications (SPEC §14): open them from a finalised inspection, withdraw them on reopening, and the
lifecycle steps open → submitted → verified / returned. Every step is logged (RectificationEvent: who, when, what) and
kept in the history. Scores are never touched: a fix changes no published result.

Callers decide access through `core.access` and the selectors here; the services enforce the lifecycle and the
rules that are not about access (own fix, out of order, description and proof files).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import dates
from core.access import is_own_rectification
from touchpoints.choices import STAFF_GROUP_NAMES, Role, StaffGroup
from touchpoints.models import Assignment

from ..choices import ItemStatus
from ..selfchecks.uploads import MAX_FILES_PER_ITEM, CheckedFile, deliverable_check
from . import rules
from .choices import RectificationAction, RectificationState, Responsibility
from .models import Rectification, RectificationEvent, RectificationPolicy, RectificationProof


class RectificationRefused(Exception):
    """A step the rules forbid; the message says why, for the person who asked. Nothing was changed."""


@dataclass(frozen=True)
class Days:
    rectification_days: int
    plan_days: int


def policy_days(day: dt.date) -> Days:
    """The rectification policy in force on a day, or the defaults (15 and 7 days) when none is recorded."""
    policy = RectificationPolicy.objects.filter(effective_from__lte=day).order_by("-effective_from").first()
    if policy is None:
        return Days(rules.DEFAULT_RECTIFICATION_DAYS, rules.DEFAULT_PLAN_DAYS)
    return Days(policy.rectification_days, policy.plan_days)


def operations_user():
    """The operations user a rectification falls to when a cell has neither lead nor director: the first active
    member of the operations group by id, so the choice is the same on every run."""
    return (
        get_user_model()
        .objects.filter(groups__name=STAFF_GROUP_NAMES[StaffGroup.OPERATIONS], is_active=True)
        .order_by("pk")
        .first()
    )


def responsible_for(*, project_id: int, function: str, on: dt.date) -> tuple[Any, str]:
    """SPEC §14: the cell's functional lead in force that day; if none, the project director; if none, operations.

    Only people with an active login count (someone must be able to act). Several of one role: the lowest 工号.
    """
    candidates = (
        Assignment.objects.current(on)
        .filter(project_id=project_id, role__in=[Role.FUNCTIONAL_MANAGER, Role.PROJECT_DIRECTOR])
        .filter(person__user__isnull=False, person__user__is_active=True)
        .select_related("person__user")
        .order_by("person__employee_id", "pk")
    )
    lead = director = None
    for assignment in candidates:
        if assignment.role == Role.FUNCTIONAL_MANAGER and assignment.function == function and lead is None:
            lead = assignment.person.user
        elif assignment.role == Role.PROJECT_DIRECTOR and director is None:
            director = assignment.person.user
    if lead is not None:
        return lead, Responsibility.LEAD
    if director is not None:
        return director, Responsibility.DIRECTOR
    return operations_user(), Responsibility.OPERATIONS


def _log(rect: Rectification, *, action: str, before: str, user, text: str = "", at: dt.datetime | None = None) -> None:
    RectificationEvent.objects.create(
        rectification=rect,
        action=action,
        state_before=before,
        state_after=rect.state,
        text=text,
        at=at or timezone.now(),
        by=user,
    )


def _save(rect: Rectification, user, reason: str) -> None:
    if user is not None:
        rect._history_user = user
    rect._change_reason = reason
    rect.save()


# -- opening and withdrawing (called by the inspection services) ---------------------------------------------------


def rectifications_open(*, inspection, user) -> list[Rectification]:
    """Open one rectification per 未完成 item of a just-finalised inspection (SPEC §14).

    Assigned by `responsible_for` on the local day of finalisation, due `policy.rectification_days` later, carrying
    the finding and marked 虚报 when the self-check claimed the item done. An item that already has a live
    rectification from this inspection (worked on before a reopening) gets no second one: nothing is duplicated.
    """
    now = inspection.finalised_at or timezone.now()
    today = timezone.localtime(now, dates.SHANGHAI).date()
    items = [item for item in inspection.items.all() if item.verdict == ItemStatus.NOT_DONE]
    if not items:
        return []
    taken = set(Rectification.objects.live().filter(inspection=inspection).values_list("code", flat=True))
    items = [item for item in items if item.code not in taken]
    if not items:
        return []
    responsible, responsibility = responsible_for(project_id=inspection.project_id, function=inspection.function, on=today)
    due = rules.due_date(today, policy_days(today).rectification_days)
    created = []
    for item in items:
        rect = Rectification(
            inspection=inspection,
            item=item,
            project_id=inspection.project_id,
            function=inspection.function,
            year=inspection.year,
            quarter=inspection.quarter,
            code=item.code,
            name=item.name,
            finding=item.finding,
            false_claim=item.claimed_status == ItemStatus.DONE,
            responsible=responsible,
            responsibility=responsibility,
            opened_at=now,
            opened_on=today,
            due_date=due,
            state=RectificationState.OPEN,
        )
        _save(rect, user, "检查定稿,开启整改")
        _log(rect, action=RectificationAction.OPEN, before="", user=user, at=now)
        created.append(rect)
    return created


def rectifications_withdraw(*, inspection, user) -> int:
    """Reopening an inspection withdraws the rectifications it opened that nobody has worked on (still 待整改)."""
    count = 0
    for rect in Rectification.objects.select_for_update().filter(inspection=inspection, state=RectificationState.OPEN):
        before = rect.state
        rect.state = rules.next_state(before, rules.WITHDRAW)
        _save(rect, user, "检查重新打开,撤回未处理的整改")
        _log(rect, action=RectificationAction.WITHDRAW, before=before, user=user)
        count += 1
    return count


# -- the lifecycle --------------------------------------------------------------------------------------------------

OUT_OF_ORDER = {
    rules.SUBMIT: _("该整改当前为「{state}」,不能提交。"),
    rules.VERIFY: _("该整改当前为「{state}」,只有已提交的整改才能验证。"),
    rules.RETURN: _("该整改当前为「{state}」,只有已提交的整改才能退回。"),
}


def _locked(rect: Rectification, action: str) -> tuple[Rectification, str]:
    rect = Rectification.objects.select_for_update().get(pk=rect.pk)
    try:
        new_state = rules.next_state(rect.state, action)
    except rules.OutOfOrder:
        raise RectificationRefused(OUT_OF_ORDER[action].format(state=rect.get_state_display())) from None
    return rect, new_state


@transaction.atomic
def rectification_submit(
    *, rectification: Rectification, user, description: str, uploads: Sequence[tuple[IO[bytes], str, int]]
) -> Rectification:
    """open / returned → submitted: the fix described and its proof attached (same checks as deliverables).

    Every file is checked from its content first; a missing description or one refused file stores nothing.
    A resubmission after a return keeps the earlier proof and may add more.
    """
    rect, new_state = _locked(rectification, rules.SUBMIT)
    description = (description or "").strip()
    if not description:
        raise RectificationRefused(_("请填写整改说明。"))
    if not uploads and not rect.files.exists():
        raise RectificationRefused(_("请上传整改证明(照片或文件)。"))
    if rect.files.count() + len(uploads) > MAX_FILES_PER_ITEM:
        raise RectificationRefused(_("每项整改最多上传 {n} 个文件").format(n=MAX_FILES_PER_ITEM))
    checked: list[tuple[IO[bytes], str, CheckedFile]] = []
    for file, name, size in uploads:
        try:
            checked.append((file, name, deliverable_check(file=file, name=name, size=size)))
        except ValidationError as exc:
            raise RectificationRefused(" ".join(exc.messages)) from None
    for file, name, check in checked:
        proof = RectificationProof(
            rectification=rect,
            original_name=name[-255:],
            size=check.size,
            content_type=check.content_type,
            sha256=check.sha256,
            uploaded_by=user,
        )
        # A random stored name: the user's file name never reaches the file system.
        proof.file.save(f"{uuid.uuid4().hex}.{check.extension}", File(file), save=False)
        proof.save()
    before = rect.state
    rect.state = new_state
    rect.description = description
    rect.submitted_at = timezone.now()
    rect.submitted_by = user
    _save(rect, user, "提交整改")
    names = "、".join(name for _f, name, _c in checked)
    _log(rect, action=RectificationAction.SUBMIT, before=before, user=user, text=description + (f"\n{names}" if names else ""))
    return rect


def _refuse_own(rect: Rectification, user) -> None:
    if is_own_rectification(user_id=user.pk, responsible_id=rect.responsible_id, submitted_by_id=rect.submitted_by_id):
        raise RectificationRefused(_("不能验证或退回自己的整改。"))


@transaction.atomic
def rectification_verify(*, rectification: Rectification, user) -> Rectification:
    """submitted → verified, by operations or the function's inspection-team member; never one's own."""
    rect, new_state = _locked(rectification, rules.VERIFY)
    _refuse_own(rect, user)
    before = rect.state
    rect.state = new_state
    rect.verified_at = timezone.now()
    rect.verified_by = user
    _save(rect, user, "验证整改")
    _log(rect, action=RectificationAction.VERIFY, before=before, user=user)
    return rect


@transaction.atomic
def rectification_return(*, rectification: Rectification, user, comment: str) -> Rectification:
    """submitted → returned with a comment: back to the lead, who fixes and submits again."""
    rect, new_state = _locked(rectification, rules.RETURN)
    _refuse_own(rect, user)
    comment = (comment or "").strip()
    if not comment:
        raise RectificationRefused(_("请填写退回意见。"))
    before = rect.state
    rect.state = new_state
    rect.return_comment = comment
    _save(rect, user, "退回整改")
    _log(rect, action=RectificationAction.RETURN, before=before, user=user, text=comment)
    return rect
