"""Copy last month (沿用上月, SPEC §16): a lead starts a month's checklist from last month's answers.

For every item of this month's open checklist that the lead has not answered yet and that last month's checklist of
the same cell also holds (same touchpoint code): the answer, the N/A reason and the note are copied, and so are the
files that are still valid — present in storage, intact (same SHA-256 as when uploaded) and still accepted by today's
upload rules. Each file is duplicated under a new stored name, never shared, because removing a file from one month
deletes it from storage. A copied "done" whose touchpoint needs a deliverable and no valid file survives is left
unanswered. Each copied item is marked 沿用上月 until the lead touches it; nothing is submitted.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils.translation import gettext as _

from audits.choices import ItemStatus, SelfCheckState
from audits.models import Deliverable, SelfCheck
from core.access import scope_for

from .services import answer_problem
from .uploads import MAX_FILES_PER_ITEM, deliverable_check

COPY_REASON = "沿用上月"


@dataclass(frozen=True)
class CopyOutcome:
    items: int
    files: int
    skipped_files: int


def previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def _valid_copy(deliverable: Deliverable) -> tuple[bytes, str] | None:
    """The file's bytes and stored extension if it is still valid (see the module docstring), else None."""
    try:
        with deliverable.file.open("rb") as handle:
            content = handle.read()
    except (FileNotFoundError, OSError, ValueError):
        return None
    if hashlib.sha256(content).hexdigest() != deliverable.sha256:
        return None
    try:
        check = deliverable_check(file=ContentFile(content), name=deliverable.original_name, size=len(content))
    except ValidationError:
        return None
    return content, check.extension


@transaction.atomic
def selfcheck_copy_last_month(*, selfcheck: SelfCheck, user: Any) -> CopyOutcome:
    """Copy last month's answers, notes and valid files into this month's unanswered items (SPEC §16).

    Refused (ValidationError, nothing changed): the user is not the cell's lead, the month is submitted, or there is no
    checklist of last month for the cell, or nothing in it to copy."""
    selfcheck = SelfCheck.objects.select_for_update().get(pk=selfcheck.pk)
    if not scope_for(user).can_edit_cell(selfcheck.project_id, selfcheck.function):
        raise ValidationError(_("只有本项目该职能的职能经理可以沿用上月"))
    if selfcheck.state != SelfCheckState.OPEN:
        raise ValidationError(_("本月自检表已提交,不能再沿用上月"))
    year, month = previous_month(selfcheck.year, selfcheck.month)
    last = SelfCheck.objects.filter(project_id=selfcheck.project_id, function=selfcheck.function, year=year, month=month).first()
    if last is None:
        raise ValidationError(_("没有上月的自检表可以沿用"))
    previous = {item.code: item for item in last.items.prefetch_related("files")}
    targets = [
        item
        for item in selfcheck.items.select_for_update().prefetch_related("files")
        if not item.status and not item.note and not item.files.all() and item.code in previous
    ]
    copied_items = copied_files = skipped = 0
    for item in targets:
        source = previous[item.code]
        if not (source.status or source.note or source.files.all()):
            continue
        new_files = []
        for deliverable in list(source.files.all())[:MAX_FILES_PER_ITEM]:
            valid = _valid_copy(deliverable)
            if valid is None:
                skipped += 1
                continue
            content, extension = valid
            copy = Deliverable(
                item=item,
                original_name=deliverable.original_name,
                size=len(content),
                content_type=deliverable.content_type,
                sha256=deliverable.sha256,
                uploaded_by=user,
            )
            copy.file.save(f"{uuid.uuid4().hex}.{extension}", File(ContentFile(content)), save=False)
            copy._history_user = user
            copy._change_reason = COPY_REASON
            copy.save()
            new_files.append(copy)
        status, na_reason = source.status, source.na_reason if source.status == ItemStatus.NA else ""
        if answer_problem(
            status=status, na_reason=na_reason, requires_deliverable=item.requires_deliverable, file_count=len(new_files)
        ):
            status, na_reason = "", ""
        item.status, item.na_reason, item.note = status, na_reason, source.note
        item.copied_from_last_month = True
        item.updated_by = user
        item._history_user = user
        item._change_reason = COPY_REASON
        item.save()
        copied_items += 1
        copied_files += len(new_files)
    if not copied_items:
        raise ValidationError(_("没有可沿用的内容:本月各项已填写,或上月没有对应的填写内容"))
    return CopyOutcome(items=copied_items, files=copied_files, skipped_files=skipped)
