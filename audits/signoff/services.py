"""The project director's sign-off (签认) of submitted monthly self-checks (R5a Decision).

After a functional lead submits a month's self-check, the project's director confirms it or sends it back with a
comment; sending back reopens it for the lead, who is notified. Who and when are kept on the checklist and in its
history (SPEC §7). Confirmation never changes a score. Refusals raise ``ValidationError`` and change nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audits.choices import SelfCheckState
from audits.models import SelfCheck
from audits.notices import SELFCHECK_RETURNED_KIND
from audits.selfchecks.services import _cell_leads
from core.access import scope_for
from notifications.services import notify_later

CONFIRMED_REASON = "项目总监签认"
RETURNED_REASON = "项目总监退回"


def _require_director(*, selfcheck: SelfCheck, user: Any) -> None:
    """R5a: only the director of the checklist's project signs it (views already 404 for anyone else)."""
    if selfcheck.project_id not in scope_for(user).directed_projects:
        raise ValidationError(_("只有本项目的项目总监可以签认这张自检表"))


@transaction.atomic
def selfcheck_confirm(*, selfcheck: SelfCheck, user: Any) -> SelfCheck:
    """The director confirms a submitted self-check (R5a); recorded with who and when."""
    _require_director(selfcheck=selfcheck, user=user)
    selfcheck = SelfCheck.objects.select_for_update().get(pk=selfcheck.pk)
    if selfcheck.state != SelfCheckState.SUBMITTED:
        raise ValidationError(_("这张自检表尚未提交,不能签认"))
    if selfcheck.confirmed_at is not None:
        raise ValidationError(_("这张自检表已经签认过了"))
    selfcheck.confirmed_at = timezone.now()
    selfcheck.confirmed_by = user
    selfcheck._history_user = user
    selfcheck._change_reason = CONFIRMED_REASON
    selfcheck.save()
    return selfcheck


def selfcheck_return(*, selfcheck: SelfCheck, user: Any, comment: str) -> SelfCheck:
    """The director sends a submitted self-check back with a comment (R5a): it reopens for the lead, who is notified."""
    _require_director(selfcheck=selfcheck, user=user)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError(_("请填写退回意见"))
    with transaction.atomic():
        selfcheck = SelfCheck.objects.select_for_update().select_related("project").get(pk=selfcheck.pk)
        if selfcheck.state != SelfCheckState.SUBMITTED:
            raise ValidationError(_("这张自检表尚未提交,无需退回"))
        selfcheck.state = SelfCheckState.OPEN
        selfcheck.submitted_at = None
        selfcheck.submitted_by = None
        selfcheck.is_late = False
        selfcheck.confirmed_at = None
        selfcheck.confirmed_by = None
        selfcheck.reopen_reason = comment
        selfcheck._history_user = user
        selfcheck._change_reason = f"{RETURNED_REASON}:{comment}"[:100]
        selfcheck.save()
    stamp = timezone.now().strftime("%Y%m%d%H%M%S")
    with transaction.atomic():  # the outbox delivers the e-mails after commit (SPEC §7)
        for lead in _cell_leads(selfcheck):
            notify_later(
                user=lead,
                kind=SELFCHECK_RETURNED_KIND,
                period=f"{selfcheck.year}-{selfcheck.month:02d}/{selfcheck.pk}/d{stamp}"[:40],
                params={
                    "project": selfcheck.project.name,
                    "function": selfcheck.function,
                    "year": selfcheck.year,
                    "month": selfcheck.month,
                    "comment": comment,
                },
                url=reverse("audits:selfcheck_detail", args=[selfcheck.pk]),
            )
    return selfcheck
