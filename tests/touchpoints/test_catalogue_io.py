"""Catalogue import and export (SPEC §10, §11): round trip, all-or-nothing, what Excel really produces."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from core.xlsx import WorkbookInvalid
from touchpoints.choices import Function
from touchpoints.models import Touchpoint
from touchpoints.services import catalogue_import, catalogue_load_default
from touchpoints.spreadsheets import CATALOGUE_COLUMNS, CatalogueExport, catalogue_plan

from .workbooks import catalogue_row, catalogue_workbook, workbook_bytes

pytestmark = pytest.mark.django_db


def snapshot() -> list[tuple]:
    return list(
        Touchpoint.objects.order_by("code").values_list(
            "code",
            "function",
            "stage__name",
            "name",
            "level__name",
            "standard_action",
            "check_method",
            "deliverable",
            "responsible_dept",
            "assisting_dept",
            "is_active",
        )
    )


def history_count() -> int:
    return Touchpoint.history.count()


def test_default_catalogue_has_at_least_12_touchpoints_per_function() -> None:
    # SPEC §13
    catalogue_load_default()
    for function in Function:
        assert Touchpoint.objects.filter(function=function).count() >= 12, function


def test_export_then_import_changes_nothing(tmp_path: Path) -> None:
    catalogue_load_default()
    before, history_before = snapshot(), history_count()
    path = tmp_path / "catalogue.xlsx"
    call_command("export_catalogue", "--output", str(path))

    plan = catalogue_plan(path.read_bytes())
    assert not plan.has_changes
    assert plan.unchanged == len(before)
    call_command("import_catalogue", str(path), stdout=io.StringIO())
    assert snapshot() == before
    assert history_count() == history_before


def test_export_has_one_chinese_sheet_per_function_with_the_spec_headers() -> None:
    catalogue_load_default()
    workbook = load_workbook(io.BytesIO(CatalogueExport().to_bytes()))
    assert workbook.sheetnames == ["营销", "研发", "工程", "客户关系", "物业"]
    for ws in workbook.worksheets:
        assert [c.value for c in ws[1]] == [*CATALOGUE_COLUMNS, "频次"]  # SPEC §10: the optional 频次 column last
        assert ws.freeze_panes == "A2"
    marketing = workbook["营销"]
    codes = [row[0] for row in marketing.iter_rows(min_row=2, values_only=True)]
    assert sorted(codes) == sorted(Touchpoint.objects.filter(function=Function.MARKETING).values_list("code", flat=True))


def test_import_updates_by_code_adds_new_ones_and_never_deletes() -> None:
    catalogue_load_default()
    total = Touchpoint.objects.count()
    content = catalogue_workbook(
        {"营销": [catalogue_row("MKT-01", name="新的名称", level="三级"), catalogue_row("MKT-99", name="全新触点")]}
    )
    plan = catalogue_plan(content)
    assert [r.code for r in plan.creates] == ["MKT-99"]
    [(row, _touchpoint, changes)] = plan.updates
    assert row.code == "MKT-01"
    assert {c.field for c in changes} >= {"触点名称", "级别"}
    catalogue_import(plan=plan)
    assert Touchpoint.objects.count() == total + 1
    updated = Touchpoint.objects.get(code="MKT-01")
    assert (updated.name, updated.level.name) == ("新的名称", "三级")
    # R7 catalogue edits are kept with before and after
    latest, previous = updated.history.all()[:2]
    delta = latest.diff_against(previous)
    assert {c.field for c in delta.changes} >= {"name", "level"}


def test_one_bad_row_refuses_the_whole_workbook_and_names_sheet_row_and_column() -> None:
    catalogue_load_default()
    before, history_before = snapshot(), history_count()
    content = catalogue_workbook(
        {
            "营销": [catalogue_row("MKT-01", name="改了"), catalogue_row("MKT-98")],
            "物业": [catalogue_row("PRO-90"), catalogue_row("PRO-91", level="四级"), catalogue_row("PRO-92")],
        }
    )
    with pytest.raises(WorkbookInvalid) as info:
        catalogue_plan(content)
    [error] = info.value.errors
    assert (error.sheet, error.row, error.column) == ("物业", 3, "级别")
    assert "四级" in str(error) and "工作表「物业」第 3 行「级别」列" in str(error)
    assert snapshot() == before and history_count() == history_before


def test_command_refuses_a_bad_workbook_with_a_message_and_changes_nothing(tmp_path: Path) -> None:
    catalogue_load_default()
    before = snapshot()
    path = tmp_path / "bad.xlsx"
    path.write_bytes(catalogue_workbook({"marketing": [catalogue_row("MKT-01", name="改了"), catalogue_row("", stage="不存在")]}))
    with pytest.raises(CommandError) as info:
        call_command("import_catalogue", str(path))
    message = str(info.value)
    assert "未做任何更改" in message
    assert "工作表「marketing」第 3 行「编号」列" in message
    assert "工作表「marketing」第 3 行「阶段」列" in message
    assert snapshot() == before


def test_import_takes_what_excel_produces() -> None:
    """Numbers stored as numbers or text, trailing spaces, empty trailing rows, sheet named by code."""
    catalogue_load_default()
    content = catalogue_workbook(
        {
            "design": [
                catalogue_row(" DES-77 ", stage="规划设计 ", level=2.0, name="设计变更告知  "),
                catalogue_row("DES-78", stage="规划设计", level="3", name="交付标准展示", deliverable=None),
                [None] * len(CATALOGUE_COLUMNS),
                ["", "  ", None, None, None, None, None, None, None],
            ]
        }
    )
    plan = catalogue_plan(content)
    assert [(r.code, r.level.name, r.stage.name, r.values["name"], r.values["deliverable"]) for r in plan.creates] == [
        ("DES-77", "二级", "规划设计", "设计变更告知", "展板照片"),
        ("DES-78", "三级", "规划设计", "交付标准展示", ""),
    ]
    assert all(r.function == Function.DESIGN for r in plan.creates)


def test_unknown_sheet_duplicate_code_and_code_of_another_function_are_refused() -> None:
    catalogue_load_default()
    content = catalogue_workbook(
        {
            "Sheet1": [catalogue_row("X-1")],
            "营销": [catalogue_row("MKT-50"), catalogue_row("MKT-50"), catalogue_row("ENG-01")],
        }
    )
    with pytest.raises(WorkbookInvalid) as info:
        catalogue_plan(content)
    located = {(e.sheet, e.row, e.column) for e in info.value.errors}
    assert ("Sheet1", None, None) in located
    assert ("营销", 3, "编号") in located  # duplicate of row 2
    assert ("营销", 4, "编号") in located  # ENG-01 belongs to engineering


def test_missing_header_is_reported_on_row_1() -> None:
    content = workbook_bytes({"营销": [["编号", "阶段", "触点名称"], ["MKT-1", "开盘销售", "x"]]})
    with pytest.raises(WorkbookInvalid) as info:
        catalogue_plan(content)
    assert [(e.row, e.column) for e in info.value.errors] == [(1, "级别")]


def test_a_file_that_is_not_a_workbook_is_a_clear_error() -> None:
    with pytest.raises(WorkbookInvalid) as info:
        catalogue_plan(b"this is not excel")
    assert "CSV 或纯文本文件" in str(info.value) and "另存为" in str(info.value)


def test_export_writes_user_text_starting_like_a_formula_as_text() -> None:
    catalogue_load_default()
    Touchpoint.objects.filter(code="MKT-01").update(standard_action='=HYPERLINK("http://x")', deliverable="@SUM(A1)")
    workbook = load_workbook(io.BytesIO(CatalogueExport().to_bytes()))
    row = next(r for r in workbook["营销"].iter_rows(min_row=2) if r[0].value == "MKT-01")
    assert row[4].data_type == "s" and row[4].value == '=HYPERLINK("http://x")'
    assert row[6].data_type == "s" and row[6].value == "@SUM(A1)"
    # and it still round-trips
    assert not catalogue_plan(CatalogueExport().to_bytes()).has_changes
