"""Pure rules of the monthly self-check: status of a cell-month, progress, answers, the due date and file checks."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError

from audits.choices import ItemStatus, SelfCheckState
from audits.selfchecks.choices import CellMonthStatus
from audits.selfchecks.rules import classify_cell_month, percent_half_up, progress_of
from audits.selfchecks.services import answer_problem
from audits.selfchecks.uploads import MAX_DELIVERABLE_BYTES, deliverable_check
from core import dates
from tests.audits.builders_selfchecks import (
    docx_bytes,
    exe_bytes,
    legacy_office_bytes,
    pdf_bytes,
    plain_zip_bytes,
    png_bytes,
    xlsx_bytes,
)


def classify(today, state=None, answered=0, is_late=False, expected=True, year=2026, month=11):
    return classify_cell_month(
        year=year, month=month, today=today, state=state, answered=answered, is_late=is_late, expected=expected
    )


def test_cell_month_statuses() -> None:
    before = dt.date(2026, 11, 30)  # the due date itself is still on time (R8)
    after = dt.date(2026, 12, 1)
    assert classify(before) == CellMonthStatus.NOT_STARTED
    assert classify(before, state=SelfCheckState.OPEN) == CellMonthStatus.NOT_STARTED
    assert classify(before, state=SelfCheckState.OPEN, answered=3) == CellMonthStatus.IN_PROGRESS
    assert classify(after, state=SelfCheckState.OPEN, answered=3) == CellMonthStatus.MISSING
    assert classify(after) == CellMonthStatus.MISSING
    assert classify(after, state=SelfCheckState.SUBMITTED) == CellMonthStatus.ON_TIME
    assert classify(after, state=SelfCheckState.SUBMITTED, is_late=True) == CellMonthStatus.LATE
    assert classify(after, expected=False) == CellMonthStatus.NONE


def test_february_is_missing_only_after_its_last_day() -> None:
    # R8 Decision: February is due on its last day — the 28th, or the 29th in a leap year.
    assert classify(dt.date(2026, 2, 28), month=2) == CellMonthStatus.NOT_STARTED
    assert classify(dt.date(2026, 3, 1), month=2) == CellMonthStatus.MISSING
    assert classify(dt.date(2028, 2, 29), year=2028, month=2) == CellMonthStatus.NOT_STARTED
    assert classify(dt.date(2028, 3, 1), year=2028, month=2) == CellMonthStatus.MISSING
    assert dates.due_date(2026, 2) == dt.date(2026, 2, 28)
    assert dates.due_date(2028, 2) == dt.date(2028, 2, 29)


def test_weighted_progress_and_completion() -> None:
    progress = progress_of([(3, ItemStatus.DONE), (3, ItemStatus.NA), (2, ItemStatus.NOT_DONE), (1, "")])
    assert (progress.count, progress.answered, progress.unanswered) == (4, 3, 1)
    assert (progress.total_weight, progress.answered_weight) == (9, 8)
    assert progress.percent == 88  # 8/9 floored: 100 only when everything is answered
    assert progress.completion == "60.00"  # done 3 ÷ (done 3 + not done 2); N/A counts nowhere
    assert not progress.complete
    assert progress_of([]).percent == 0 and progress_of([]).completion is None
    assert progress_of([(1, ItemStatus.NA)]).complete


def test_percent_rounds_half_up_from_the_exact_fraction() -> None:
    assert percent_half_up(13, 14) == "92.86"
    assert percent_half_up(2, 3) == "66.67"
    assert percent_half_up(1, 8) == "12.50"
    assert percent_half_up(1, 80000) == "0.00"
    assert percent_half_up(1, 800) == "0.13"  # exactly 0.125: half goes up, not to even
    assert percent_half_up(1, 400) == "0.25"


def test_answer_rules() -> None:
    assert (
        answer_problem(status=ItemStatus.NA, na_reason="  ", requires_deliverable=False, file_count=0)
        == "选择「不适用」时必须填写原因"
    )
    assert answer_problem(status=ItemStatus.NA, na_reason="本月未开盘", requires_deliverable=True, file_count=0) is None
    assert "请先上传交付件" in answer_problem(status=ItemStatus.DONE, na_reason="", requires_deliverable=True, file_count=0)
    assert answer_problem(status=ItemStatus.DONE, na_reason="", requires_deliverable=True, file_count=1) is None
    assert answer_problem(status=ItemStatus.DONE, na_reason="", requires_deliverable=False, file_count=0) is None
    assert answer_problem(status="", na_reason="", requires_deliverable=True, file_count=0) is None
    assert answer_problem(status="maybe", na_reason="", requires_deliverable=False, file_count=0) == "完成情况无效"


@pytest.mark.parametrize(
    ("content", "name", "content_type"),
    [
        (pdf_bytes(), "计划书.pdf", "application/pdf"),
        (png_bytes(), "现场照片.PNG", "image/png"),
        (docx_bytes(), "记录.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (xlsx_bytes(), "台账.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (legacy_office_bytes(), "旧台账.xls", "application/vnd.ms-excel"),
        (legacy_office_bytes(), "旧记录.doc", "application/msword"),
    ],
)
def test_accepted_files(content: bytes, name: str, content_type: str) -> None:
    checked = deliverable_check(file=io.BytesIO(content), name=name, size=len(content))
    assert checked.content_type == content_type
    assert len(checked.sha256) == 64


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (exe_bytes(), "计划书.pdf", "内容不是允许的类型"),  # an .exe renamed .pdf
        (b"just some text", "说明.pdf", "内容不是允许的类型"),
        (plain_zip_bytes(), "记录.docx", "内容不是允许的类型"),  # a zip that is no Office document
        (xlsx_bytes(), "台账.docx", "与扩展名 .docx 不符"),
        (pdf_bytes(), "照片.png", "与扩展名 .png 不符"),
        (legacy_office_bytes(), "旧记录.pdf", "与扩展名 .pdf 不符"),
        (b"", "空.pdf", "空文件"),
    ],
)
def test_refused_files(content: bytes, name: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        deliverable_check(file=io.BytesIO(content), name=name, size=len(content))
    assert message in caught.value.messages[0]
    assert name in caught.value.messages[0]


def test_a_file_over_20_mb_is_refused_before_reading_it() -> None:
    with pytest.raises(ValidationError) as caught:
        deliverable_check(file=io.BytesIO(pdf_bytes()), name="大文件.pdf", size=MAX_DELIVERABLE_BYTES + 1)
    assert "超过 20 MB" in caught.value.messages[0]
    content = pdf_bytes(MAX_DELIVERABLE_BYTES)
    assert deliverable_check(file=io.BytesIO(content), name="刚好.pdf", size=len(content)).size == MAX_DELIVERABLE_BYTES
