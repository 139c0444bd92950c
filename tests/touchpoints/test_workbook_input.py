"""Uploaded workbooks: streaming reads with size limits, files that are not workbooks named for
what they are, the organisation workbook's two sheets, impossible dates, merged cells and dates in text columns."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from msoffcrypto.format.ooxml import OOXMLFile
from openpyxl import Workbook

from bench.bench_workbook_bomb import build_bomb
from core.xlsx import WorkbookInvalid, open_workbook
from touchpoints.models import Assignment, Person, Project, Touchpoint
from touchpoints.services import catalogue_load_default
from touchpoints.spreadsheets import CATALOGUE_COLUMNS, PEOPLE_COLUMNS, PROJECT_COLUMNS, catalogue_plan, org_plan

from .workbooks import catalogue_row, catalogue_workbook, workbook_bytes

pytestmark = pytest.mark.django_db

PROJECTS = [list(PROJECT_COLUMNS), ["GG", "东原·光谷印", "工程建设"]]
PEOPLE = [list(PEOPLE_COLUMNS), ["1001", "杨帆", "", "GG", "项目总监", "", "2025-01-01", ""]]


@pytest.fixture(autouse=True)
def catalogue() -> None:
    catalogue_load_default()


def refusal(source) -> str:
    with pytest.raises(WorkbookInvalid) as info:
        catalogue_plan(source)
    return str(info.value)


# -- what the file is (item 7) ---------------------------------------------------------------------------------------


def encrypted_xlsx() -> bytes:
    plain = io.BytesIO(catalogue_workbook({"营销": [catalogue_row("M99")]}))
    out = io.BytesIO()
    OOXMLFile(plain).encrypt("secret", out)  # exactly what Excel writes for 用密码进行加密: an OLE2 file
    return out.getvalue()


def old_xls() -> bytes:
    # An Excel 97-2003 file is an OLE2 compound file (signature, then a directory naming the "Workbook" stream).
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "Workbook".encode("utf-16-le") + b"\x00" * 1024


def test_an_old_xls_is_named_and_told_to_save_as_xlsx() -> None:
    message = refusal(old_xls())
    assert ".xls" in message and "另存为" in message and ".xlsx" in message
    assert "zip" not in message.lower()


def test_a_password_protected_workbook_is_named_and_told_to_remove_the_password() -> None:
    message = refusal(encrypted_xlsx())
    assert "密码" in message and "清空密码" in message
    assert ".xls）" not in message and "97-2003" not in message


@pytest.mark.parametrize(
    "content",
    ["编号,阶段,触点名称\nM01,开盘销售,阳光销售\n".encode(), "编号,阶段\nM01,开盘销售\n".encode("gb18030"), b"plain text"],
)
def test_csv_or_text_is_named_and_told_to_save_as_xlsx(content: bytes) -> None:
    message = refusal(content)
    assert "CSV 或纯文本" in message and "另存为" in message


def test_a_truncated_workbook_is_named_and_told_to_save_again() -> None:
    whole = catalogue_workbook({"营销": [catalogue_row("M99")]})
    message = refusal(whole[: len(whole) // 2])
    assert "不完整或已损坏" in message and "重新保存" in message


def test_a_zip_that_is_not_a_workbook_and_an_empty_file() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    assert "不是 Excel 工作簿" in refusal(buffer.getvalue())
    assert "文件是空的" in refusal(b"")


def test_the_command_line_shows_the_same_message(tmp_path) -> None:
    path = tmp_path / "目录.xls"
    path.write_bytes(old_xls())
    with pytest.raises(CommandError) as info:
        call_command("import_catalogue", str(path))
    assert "97-2003" in str(info.value)


# -- cells (item 7) ------------------------------------------------------------------------------------------------


def test_thirty_february_is_a_chinese_message_naming_sheet_row_and_column() -> None:
    people = [list(PEOPLE_COLUMNS), ["1001", "杨帆", "", "GG", "项目总监", "", "2026-02-30", ""]]
    with pytest.raises(WorkbookInvalid) as info:
        org_plan(workbook_bytes({"项目": PROJECTS, "人员": people}))
    [error] = info.value.errors
    assert (error.sheet, error.row, error.column) == ("人员", 2, "起始日期")
    assert "2026-02-30" in error.message and "2 月没有 30 日" in error.message
    assert "out of range" not in str(info.value)


def merged_catalogue() -> bytes:
    workbook = Workbook()
    ws = workbook.active
    ws.title = "营销"
    ws.append(list(CATALOGUE_COLUMNS))
    ws.append(catalogue_row("M91", name="阳光销售宣言公示"))
    ws.append(catalogue_row("M92", stage=None))
    ws.append(catalogue_row("M93", stage=None))
    ws.merge_cells("B2:B4")  # 阶段 typed once for three rows
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_merged_cells_are_reported_as_merged_not_as_empty() -> None:
    with pytest.raises(WorkbookInvalid) as info:
        catalogue_plan(merged_catalogue())
    errors = info.value.errors
    assert [(e.row, e.column) for e in errors] == [(2, "阶段"), (3, "阶段"), (4, "阶段")]
    assert all("合并单元格 B2:B4" in e.message and "取消合并" in e.message for e in errors)
    assert not any("不能为空" in e.message for e in errors)
    assert not Touchpoint.objects.filter(code__startswith="M9").exists()


def test_a_date_typed_into_a_text_column_is_refused_with_what_excel_did() -> None:
    content = catalogue_workbook({"营销": [catalogue_row("M95", name=dt.datetime(2026, 1, 1))]})
    with pytest.raises(WorkbookInvalid) as info:
        catalogue_plan(content)
    [error] = info.value.errors
    assert (error.sheet, error.row, error.column) == ("营销", 2, "触点名称")
    assert "日期「2026-01-01」" in error.message and "文本" in error.message
    assert not Touchpoint.objects.filter(code="M95").exists()


def test_dates_stay_welcome_in_date_columns() -> None:
    people = [list(PEOPLE_COLUMNS), ["1001", "杨帆", "", "GG", "项目总监", "", dt.datetime(2025, 1, 1), None]]
    plan = org_plan(workbook_bytes({"项目": PROJECTS, "人员": people}))
    assert plan.assignments[0].start == dt.date(2025, 1, 1)


# -- the organisation workbook's sheets (item 6) -------------------------------------------------------------------


@pytest.mark.parametrize(("sheets", "missing"), [({"项目": PROJECTS}, "人员"), ({"人员": PEOPLE}, "项目")])
def test_an_org_workbook_without_one_of_its_sheets_is_refused_naming_it(tmp_path, sheets, missing) -> None:
    Project.objects.create(code="OLD", name="旧项目")
    path = tmp_path / "组织.xlsx"
    path.write_bytes(workbook_bytes(sheets))
    with pytest.raises(CommandError) as info:
        call_command("import_org", str(path))
    assert f"缺少「{missing}」工作表" in str(info.value)
    assert list(Project.objects.values_list("code", flat=True)) == ["OLD"]
    assert not Person.objects.exists() and not Assignment.objects.exists()


# -- size limits (item 5) ------------------------------------------------------------------------------------------


def big_catalogue(rows: int) -> bytes:
    return catalogue_workbook({"营销": [catalogue_row(f"M{n:05d}") for n in range(rows)]})


@override_settings(WORKBOOK_MAX_ROWS=50)
def test_reading_stops_past_the_row_limit_and_says_the_limit() -> None:
    with pytest.raises(WorkbookInvalid) as info:
        catalogue_plan(big_catalogue(120))
    [error] = info.value.errors
    assert error.row == 52 and "超过 50 行" in error.message
    assert not Touchpoint.objects.filter(code__startswith="M0").exists()


@override_settings(WORKBOOK_MAX_ROWS=50)
def test_the_row_limit_counts_data_rows_only() -> None:
    plan = catalogue_plan(big_catalogue(50))
    assert len(plan.creates) == 50


def test_a_declared_size_past_the_limit_is_refused_before_parsing() -> None:
    content = big_catalogue(400)
    declared = sum(
        i.file_size for i in zipfile.ZipFile(io.BytesIO(content)).infolist() if i.filename.startswith("xl/worksheets/")
    )
    with override_settings(WORKBOOK_MAX_SHEET_BYTES=declared // 2):
        message = refusal(content)
    assert "工作簿太大" in message and "上限" in message
    with override_settings(WORKBOOK_MAX_SHEET_BYTES=declared * 2):
        assert len(catalogue_plan(content).creates) == 400


def test_workbooks_are_read_in_streaming_mode() -> None:
    workbook = open_workbook(catalogue_workbook({"营销": [catalogue_row("M01")]}))
    assert workbook.read_only


@override_settings(WORKBOOK_MAX_SECONDS=0)
def test_reading_stops_at_the_time_limit_and_says_it() -> None:
    with pytest.raises(WorkbookInvalid) as info:
        catalogue_plan(big_catalogue(600))
    [error] = info.value.errors
    assert error.row == 500 and "超过 0 秒" in error.message


def test_the_bench_bomb_is_refused_by_declared_size_and_by_streamed_rows(tmp_path) -> None:
    path = tmp_path / "bomb.xlsx"
    size, declared = build_bomb(path, rows=30_000, cells=4)
    assert declared > 20 * size  # it is a bomb: it inflates many times over
    with override_settings(WORKBOOK_MAX_SHEET_BYTES=declared // 2):
        assert "工作簿太大" in refusal(path.read_bytes())
    with override_settings(WORKBOOK_MAX_ROWS=1000):
        message = refusal(path.read_bytes())
    assert "第 1002 行" in message and "超过 1000 行" in message


def test_a_shared_string_table_past_its_own_limit_is_refused_before_loading(tmp_path) -> None:
    path = tmp_path / "bomb.xlsx"
    build_bomb(path, rows=10, cells=4)
    shared = zipfile.ZipFile(path).getinfo("xl/sharedStrings.xml").file_size
    with override_settings(WORKBOOK_MAX_SHARED_STRINGS_BYTES=shared - 1):
        assert "文字内容解压后" in refusal(path.read_bytes())
