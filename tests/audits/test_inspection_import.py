"""Paper inspections (SPEC §10, §11): validation of every row, all-or-nothing, replacement, the command and the upload page."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from audits.choices import InspectionSource, InspectionState
from audits.inspections.services import inspection_import
from audits.inspections.spreadsheets import INSPECTION_COLUMNS, inspection_plan
from audits.models import Inspection, InspectionItem
from core.xlsx import WorkbookInvalid
from tests.audits.builders_inspections import AFTER_Q1, DONE, NOT_DONE, Q1, inspection, publish, selfcheck, touchpoints
from tests.touchpoints.workbooks import workbook_bytes
from touchpoints.choices import Function

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _after_q1(time_machine) -> None:
    time_machine.move_to(AFTER_Q1, tick=False)


@pytest.fixture
def catalogue(people):
    return {"mkt": touchpoints(Function.MARKETING), "des": touchpoints(Function.DESIGN, levels=("一级", "二级"))}


def sheet(*rows, title: str = "检查结果") -> bytes:
    return workbook_bytes({title: [list(INSPECTION_COLUMNS), *rows]})


def good_workbook(catalogue) -> bytes:
    m1, m2, m3 = catalogue["mkt"]
    d1, d2 = catalogue["des"]
    return sheet(
        ["GG", "营销", m1.code, "完成", "展板在位"],
        ["GG ", "marketing", m2.code, "未完成 ", "无寄送记录"],  # trailing spaces, as Excel gives them
        ["GG", "营销", m3.code, "不适用", "本季度无签约"],
        ["HK", "研发", d1.code, "done", ""],
        ["HK", "design", d2.code, "na", ""],
        [None, None, None, None, None],  # an empty trailing row
    )


def test_a_good_workbook_gives_finalised_inspections_whose_items_are_exactly_its_rows(people, catalogue) -> None:
    m1, m2, m3 = catalogue["mkt"]
    selfcheck(people.project, Function.MARKETING, 2, [(m1, DONE, "已公示"), (m2, DONE, "已寄送")])
    earlier = inspection(people.project, Function.MARKETING, [(3, DONE), (2, DONE), (1, DONE), (1, DONE)], finalised=False)
    plan = inspection_plan(good_workbook(catalogue), quarter=Q1)
    assert [(g.project.code, g.function, len(g.rows), g.replaces is not None) for g in plan.groups] == [
        ("GG", "marketing", 3, True),
        ("HK", "design", 2, False),
    ]
    summary = inspection_import(plan=plan, user=people.user("inspector"))

    assert (summary.created, summary.replaced, summary.items) == (1, 1, 5)
    gg = Inspection.objects.get(project=people.project, function=Function.MARKETING)
    assert gg.pk == earlier.pk and gg.state == InspectionState.FINALISED and gg.source == InspectionSource.IMPORT
    items = {i.code: i for i in gg.items.all()}
    assert set(items) == {m1.code, m2.code, m3.code}  # the earlier X-01… items are gone
    assert (items[m2.code].verdict, items[m2.code].finding, items[m2.code].claimed_status) == (NOT_DONE, "无寄送记录", DONE)
    assert items[m2.code].is_discrepancy and items[m3.code].claimed_status == ""
    assert (items[m1.code].name, items[m1.code].weight) == (m1.name, 3)  # snapshot from the touchpoint now
    hk = Inspection.objects.get(project=people.other_project, function=Function.DESIGN)
    assert sorted(hk.items.values_list("verdict", flat=True)) == ["done", "na"]
    assert InspectionItem.objects.count() == 5
    # The board's stored tallies follow the import: the replaced cell's four old items are no longer counted.
    assert (gg.item_count, gg.answered_count, gg.discrepancy_count) == (3, 3, 1)
    assert (hk.item_count, hk.answered_count, hk.discrepancy_count) == (2, 2, 0)


@pytest.mark.parametrize(
    ("bad_row", "column", "message"),
    [
        (["ZZ", "营销", "MKT-01", "完成", ""], "项目编号", "未知项目「ZZ」"),
        (["GG", "营销", "DES-01", "完成", ""], "触点编号", "属于职能「研发」"),
        (["GG", "营销", "MKT-02", "做了", ""], "结果", "无法识别的结果「做了」"),
        (["GG", "销售", "MKT-02", "完成", ""], "职能", "无法识别的职能「销售」"),
        (["GG", "营销", "NOPE-9", "完成", ""], "触点编号", "未知触点编号「NOPE-9」"),
        (["GG", "marketing", "MKT-01", "未完成", ""], "触点编号", "重复"),
        (["GG", "营销", "MKT-03", "", ""], "结果", "不能为空"),
    ],
)
def test_a_bad_row_refuses_the_workbook_naming_the_row_and_changes_nothing(people, catalogue, bad_row, column, message) -> None:
    earlier = inspection(people.project, Function.MARKETING, [(3, DONE)], finalised=False)
    content = sheet(["GG", "营销", "MKT-01", "完成", ""], ["HK", "研发", "DES-01", "完成", ""], bad_row)
    with pytest.raises(WorkbookInvalid) as refused:
        inspection_plan(content, quarter=Q1)
    (error,) = refused.value.errors
    assert (error.sheet, error.row, error.column) == ("检查结果", 4, column)
    assert message in error.message and "第 4 行" in str(error)
    assert list(Inspection.objects.values_list("pk", flat=True)) == [earlier.pk]
    assert earlier.items.count() == 1


def test_every_bad_row_is_reported_at_once(people, catalogue) -> None:
    content = sheet(["ZZ", "营销", "MKT-01", "完成", ""], ["GG", "营销", "DES-01", "完成", ""], ["GG", "营销", "MKT-02", "?", ""])
    with pytest.raises(WorkbookInvalid) as refused:
        inspection_plan(content, quarter=Q1)
    assert [e.row for e in refused.value.errors] == [2, 3, 4]


def test_a_missing_header_is_named(people, catalogue) -> None:
    content = workbook_bytes({"Sheet1": [["项目编号", "职能", "触点编号"], ["GG", "营销", "MKT-01"]]})
    with pytest.raises(WorkbookInvalid) as refused:
        inspection_plan(content, quarter=Q1)
    assert [(e.row, e.column) for e in refused.value.errors] == [(1, "结果")]


def test_a_published_quarter_refuses_imports(people, catalogue) -> None:
    publish(Q1)
    with pytest.raises(WorkbookInvalid, match="已发布"):
        inspection_plan(good_workbook(catalogue), quarter=Q1)
    assert not Inspection.objects.exists()


def test_the_command_imports_and_refuses_with_a_non_zero_status(people, catalogue, tmp_path: Path) -> None:
    good = tmp_path / "good.xlsx"
    good.write_bytes(good_workbook(catalogue))
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(sheet(["GG", "营销", "MKT-01", "完成", ""], ["ZZ", "营销", "MKT-02", "完成", ""]))
    with pytest.raises(CommandError) as refused:
        call_command("import_inspection", "2026Q1", str(bad), stdout=io.StringIO())
    assert "第 3 行" in str(refused.value) and "未知项目" in str(refused.value) and "未做任何更改" in str(refused.value)
    assert not Inspection.objects.exists()
    with pytest.raises(CommandError, match="季度格式"):
        call_command("import_inspection", "2026-1", str(good), stdout=io.StringIO())
    out = io.StringIO()
    call_command("import_inspection", "2026Q1", str(good), "--dry-run", stdout=out)
    assert "未写入" in out.getvalue() and not Inspection.objects.exists()
    out = io.StringIO()
    call_command("import_inspection", "2026Q1", str(good), stdout=out)
    assert "导入完成" in out.getvalue()
    assert Inspection.objects.filter(state=InspectionState.FINALISED).count() == 2
    publish(Q1)
    with pytest.raises(CommandError, match="已发布"):
        call_command("import_inspection", "2026Q1", str(good), stdout=io.StringIO())


def upload(client, content: bytes, quarter: str = "2026Q1"):
    file = SimpleUploadedFile("paper.xlsx", content, content_type="application/octet-stream")
    return client.post(reverse("audits:inspection_import"), {"quarter": quarter, "file": file})


def test_the_upload_page_previews_then_imports_the_previewed_file(client, people, catalogue) -> None:
    client.force_login(people.user("inspector"))
    assert client.get(reverse("audits:inspection_import")).status_code == 200
    preview = upload(client, good_workbook(catalogue))
    page = preview.content.decode()
    assert preview.status_code == 200 and "预览" in page and "确认导入" in page
    assert not Inspection.objects.exists()  # nothing written before confirmation
    digest = preview.context["digest"]
    stale = client.post(reverse("audits:inspection_import"), {"confirm": "1", "digest": "0" * 64})
    assert stale.status_code == 302 and not Inspection.objects.exists()
    done = client.post(reverse("audits:inspection_import"), {"confirm": "1", "digest": digest})
    assert done.status_code == 302 and done["Location"] == reverse("audits:board", kwargs={"quarter": "2026Q1"})
    assert Inspection.objects.filter(source=InspectionSource.IMPORT, state=InspectionState.FINALISED).count() == 2


def test_the_upload_page_shows_every_error_and_writes_nothing(client, people, catalogue) -> None:
    client.force_login(people.user("inspector"))
    page = upload(client, sheet(["GG", "营销", "DES-01", "完成", ""])).content.decode()
    assert "未做任何更改" in page and "第 2 行" in page and "属于职能" in page and "确认导入" not in page
    page = upload(client, good_workbook(catalogue), quarter="2026Q5").content.decode()
    assert "季度格式应为 2026Q1" in page
    assert not Inspection.objects.exists()


def test_the_upload_page_says_what_a_wrong_file_is(client, people, catalogue) -> None:
    # an .xls, a CSV or a truncated file each get their own message, not "File is not a zip file"
    client.force_login(people.user("inspector"))
    xls = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "Workbook".encode("utf-16-le") + b"\x00" * 1024
    whole = sheet(["GG", "营销", "MKT-01", "完成", ""])
    for content, fragment in (
        (xls, "97-2003"),
        ("项目编号,职能,触点编号,结果\nGG,营销,MKT-01,完成\n".encode(), "CSV 或纯文本"),
        (whole[: len(whole) // 2], "不完整或已损坏"),
    ):
        page = upload(client, content).content.decode()
        errors = page.split('id="import-errors"', 1)[1].split("</div>\n</div>", 1)[0]  # the error box only
        assert fragment in errors and "未做任何更改" in page and "zip file" not in errors.lower()


def test_a_quarter_that_has_not_started_refuses_imports_everywhere(client, people, catalogue, tmp_path: Path) -> None:
    # Found in the field: `import_inspection 2027Q1` created 14 finalised inspections of a future quarter. Today is after 2026Q1.
    content = good_workbook(catalogue)
    with pytest.raises(WorkbookInvalid, match=r"2026Q3 尚未开始\(2026-07-01 起\)"):
        inspection_plan(content, quarter=Q1.next().next())
    path = tmp_path / "future.xlsx"
    path.write_bytes(content)
    with pytest.raises(CommandError, match="2027Q1 尚未开始"):
        call_command("import_inspection", "2027Q1", str(path), stdout=io.StringIO())
    client.force_login(people.user("inspector"))
    page = upload(client, content, quarter="2027Q1").content.decode()
    assert "2027Q1 尚未开始" in page and "确认导入" not in page
    # The quarter in progress is fine (an inspection may be recorded once the quarter has begun).
    plan = inspection_plan(content, quarter=Q1.next())
    assert len(plan.groups) == 2
    assert not Inspection.objects.exists()


def test_the_import_service_itself_refuses_a_quarter_that_has_not_started(people, catalogue, time_machine) -> None:
    from audits.inspections.services import InspectionRefused

    plan = inspection_plan(good_workbook(catalogue), quarter=Q1.next())
    time_machine.move_to(dt.datetime(2026, 3, 31, 12, tzinfo=dt.UTC), tick=False)  # 2026Q2 begins tomorrow
    with pytest.raises(InspectionRefused, match="2026Q2 尚未开始"):
        inspection_import(plan=plan)
    assert not Inspection.objects.exists()
