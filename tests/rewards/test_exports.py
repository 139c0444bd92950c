"""HR's reward ledger workbook (SPEC §10 `export_rewards`) and the shared writer's formats, opened with openpyxl."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from core.xlsx import MONEY_FORMAT, Column, Export, Sheet
from rewards.exports import REWARDS_COLUMNS, RewardsExport
from rewards.services import split_file, split_review, split_save, split_submit
from scoring.choices import UnitKind
from tests.rewards.builders import publish, reward

pytestmark = pytest.mark.django_db


def rows_of(workbook_bytes: bytes, sheet: str = "奖惩台账") -> list[tuple]:
    ws = load_workbook(io.BytesIO(workbook_bytes))[sheet]
    return [tuple(cell.value for cell in row) for row in ws.iter_rows()]


def test_the_ledger_workbook_has_one_row_per_part_and_one_row_per_unsplit_or_service_fee_entry(people, ledger) -> None:
    with time_machine.travel(dt.datetime(2026, 4, 15, tzinfo=dt.UTC)):
        split = split_save(
            entry=ledger.gg, user=people.user("director"), parts=[(people.director.pk, 2000), (ledger.member.pk, 1000)]
        )
        split = split_submit(split=split, user=people.user("director"))
        split = split_review(split=split, user=people.user("inspector"))
        split_file(split=split, user=people.user("hr"))
    workbook = load_workbook(io.BytesIO(RewardsExport(2026).to_bytes()))
    assert workbook.sheetnames == ["奖惩台账"]
    ws = workbook["奖惩台账"]
    rows = [tuple(cell.value for cell in row) for row in ws.iter_rows()]
    assert rows[0] == REWARDS_COLUMNS == ("季度", "考核单元", "金额", "结算方式", "状态", "工号", "姓名", "分配金额")
    assert rows[1:] == [
        ("2026Q1", "营销", -3000, "团队奖惩", "未分配", None, None, None),
        ("2026Q1", "物业", 3000, "服务费结算", "服务费调整", None, None, None),
        ("2026Q1", "东原·光谷印", 3000, "团队奖惩", "已备案", people.director.employee_id, "张伟", 2000),
        ("2026Q1", "东原·光谷印", 3000, "团队奖惩", "已备案", ledger.member.employee_id, "陈晨", 1000),
    ]
    # Numbers as numbers with the ¥ format; bold frozen header; sensible widths.
    amount, part = ws["C4"], ws["H4"]
    assert amount.data_type == "n" and amount.number_format == MONEY_FORMAT and part.number_format == MONEY_FORMAT
    assert ws["A1"].font.b and ws.freeze_panes == "A2"
    assert ws.column_dimensions["B"].width == 24 and ws.auto_filter.ref == "A1:H5"


def test_reversed_entries_and_reversals_are_in_the_ledger_with_their_marks(people, ledger) -> None:
    split_save(entry=ledger.gg, user=people.user("director"), parts=[(people.director.pk, 3000)])
    publish(2026, 1, [reward(UnitKind.PROJECT, "GG", "东原·光谷印", 3000)], version=2, supersedes=ledger.q1)
    rows = rows_of(RewardsExport(2026).to_bytes())[1:]
    gg = [r for r in rows if r[1] == "东原·光谷印"]
    assert gg == [
        ("2026Q1", "东原·光谷印", 3000, "团队奖惩", "已冲销", people.director.employee_id, "张伟", 3000),
        ("2026Q1", "东原·光谷印", -3000, "团队奖惩", "冲销", None, None, None),
        ("2026Q1", "东原·光谷印", 3000, "团队奖惩", "未分配", None, None, None),
    ]
    assert sorted(r[4] for r in rows if r[1] in ("营销", "物业")) == ["冲销", "冲销", "已冲销", "已冲销"]
    # The live money of the year nets to the new version only.
    assert sum(r[2] for r in rows if r[4] != "已冲销" and r[4] != "冲销") == 3000


def test_another_years_ledger_is_empty_but_well_formed(ledger) -> None:
    assert rows_of(RewardsExport(2025).to_bytes()) == [REWARDS_COLUMNS]


def test_text_a_user_typed_that_looks_like_a_formula_is_written_as_text(people, ledger) -> None:
    ledger.member.name = '=HYPERLINK("http://evil")'
    ledger.member.save()
    split_save(entry=ledger.gg, user=people.user("director"), parts=[(ledger.member.pk, 3000)])
    ws = load_workbook(io.BytesIO(RewardsExport(2026).to_bytes()))["奖惩台账"]
    cell = next(row[6] for row in ws.iter_rows(min_row=2) if row[5].value == ledger.member.employee_id)
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://evil")' and cell.quotePrefix


def test_the_command_writes_the_same_workbook(people, ledger, tmp_path) -> None:
    target = tmp_path / "rewards.xlsx"
    out = io.StringIO()
    call_command("export_rewards", "2026", "--output", str(target), stdout=out)
    assert "已导出" in out.getvalue()
    assert rows_of(target.read_bytes()) == rows_of(RewardsExport(2026).to_bytes())


def test_the_command_refuses_a_bad_year(tmp_path) -> None:
    with pytest.raises(CommandError, match="年度格式应为 2026"):
        call_command("export_rewards", "26Q1", "--output", str(tmp_path / "x.xlsx"))
    assert not (tmp_path / "x.xlsx").exists()


class _Sample(Export):
    identifier = "sample"

    def sheets(self):
        yield Sheet(
            "样例",
            [
                Column("文本"),
                Column.date("日期"),
                Column("时间"),
                Column.decimal("得分"),
                Column.money("金额"),
                Column("负数文本"),
            ],
            [
                (
                    "+86 027",
                    dt.date(2026, 3, 31),
                    dt.datetime(2026, 3, 31, 16, 30, tzinfo=dt.UTC),
                    Decimal("92.86"),
                    -3000,
                    "-3000",
                )
            ],
        )


def test_the_writer_stores_dates_as_dates_decimals_as_numbers_and_shanghai_wall_clock_times() -> None:
    ws = load_workbook(io.BytesIO(_Sample().to_bytes()))["样例"]
    text, day, moment, score, money, negative_text = (cell for cell in next(ws.iter_rows(min_row=2)))
    assert text.data_type == "s" and text.value == "+86 027"
    assert day.is_date and day.value == dt.datetime(2026, 3, 31) and day.number_format == "yyyy-mm-dd"
    assert moment.is_date and moment.value == dt.datetime(2026, 4, 1, 0, 30) and moment.number_format == "yyyy-mm-dd hh:mm"
    assert score.data_type == "n" and score.value == pytest.approx(92.86) and score.number_format == "0.00"
    assert money.value == -3000 and money.number_format == MONEY_FORMAT
    assert negative_text.data_type == "s" and negative_text.value == "-3000"


def test_hr_downloads_the_caps_and_quarter_workbooks_the_commands_write(client, people, ledger, tmp_path) -> None:
    """The workspace's downloads are the scoring app's own exports: same sheets, headers and values as the commands."""
    from django.urls import reverse

    publish(2026, 2, [reward(UnitKind.FUNCTION, "marketing", "营销", -3000)])
    client.force_login(people.user("hr"))

    caps = client.get(reverse("rewards:download", args=["caps"]) + "?year=2026")
    assert caps.status_code == 200 and 'filename="appraisal-caps-2026.xlsx"' in caps["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(caps.streaming_content)))
    assert workbook.sheetnames == ["绩效上限", "预警"]
    rows = [tuple(c.value for c in row) for row in workbook["绩效上限"].iter_rows()]
    assert rows[0] == ("工号", "姓名", "考核单元", "角色", "年度", "绩效上限", "触发季度", "触发规则")
    assert sorted(r[1] for r in rows[1:]) == ["周立新"]  # SPEC §6: 王芳, a marketing team member, is never capped
    head = next(r for r in rows[1:] if r[1] == "周立新")
    assert head == (people.head.employee_id, "周立新", "营销", "职能负责人", 2026, "B-", "2026Q1、2026Q2", "连续两个季度")
    call_command("export_caps", "2026", "--output", str(tmp_path / "caps.xlsx"), stdout=io.StringIO())
    assert [tuple(c.value for c in r) for r in load_workbook(tmp_path / "caps.xlsx")["绩效上限"].iter_rows()] == rows

    quarter = client.get(reverse("rewards:download", args=["quarter"]) + "?year=2026&quarter=2026Q1")
    assert quarter.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(quarter.streaming_content)))
    assert workbook.sheetnames == ["职能排名", "项目排名", "明细"]
    functions = [tuple(c.value for c in row) for row in workbook["职能排名"].iter_rows()]
    assert functions[0] == ("排名", "编号", "名称", "得分", "等级", "奖惩金额", "结算方式")
    by_code = {row[1]: row for row in functions[1:]}
    assert by_code["marketing"] == (5, "marketing", "营销", 50, "C", -3000, "团队奖惩")
    assert by_code["property"] == (1, "property", "物业", 95, "A", 3000, "服务费结算")
    projects = [tuple(c.value for c in row) for row in workbook["项目排名"].iter_rows(min_row=2)]
    assert projects[0] == (1, "GG", "东原·光谷印", 95, "A", 3000, "团队奖惩")
    assert all(row[5].number_format == MONEY_FORMAT for row in workbook["职能排名"].iter_rows(min_row=2))

    # An unpublished quarter or a quarter of another year is not found.
    assert client.get(reverse("rewards:download", args=["quarter"]) + "?year=2026&quarter=2026Q3").status_code == 404
    assert client.get(reverse("rewards:download", args=["quarter"]) + "?year=2026&quarter=2025Q1").status_code == 404


def test_the_writer_streams_with_flat_memory() -> None:
    """Ten times the rows, about the same peak: rows are written as they come (XlsxWriter constant_memory)."""
    import tracemalloc

    def peak(rows: int) -> int:
        data = ((f"E{i:06d}", f"员工{i}", "营销", i, dt.date(2026, 1, 1)) for i in range(rows))
        columns = [Column("工号"), Column("姓名"), Column("考核单元"), Column.money("金额"), Column.date("日期")]
        tracemalloc.start()
        base, _ = tracemalloc.get_traced_memory()
        Export.write(type("Big", (Export,), {"sheets": lambda self: iter([Sheet("大表", columns, data)])})(), io.BytesIO())
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top - base

    small, large = peak(200), peak(2_000)
    assert large < small * 1.5 + 256 * 1024, (small, large)


def test_a_part_given_to_the_property_manager_is_settled_through_the_service_fee(people, ledger) -> None:
    """SPEC §8 Decision (R15): the project's property manager works for the property company: their part of GG's reward
    is recorded and exported as 服务费结算, the others' as 团队奖惩."""
    from rewards.models import SplitPart
    from tests.factories import AssignmentFactory
    from touchpoints.choices import Function, Role

    manager = AssignmentFactory(
        person__name="钱物业",
        role=Role.FUNCTIONAL_MANAGER,
        project=people.project,
        function=Function.PROPERTY,
        start=dt.date(2025, 1, 1),
    ).person
    with time_machine.travel(dt.datetime(2026, 4, 15, tzinfo=dt.UTC)):
        split = split_save(entry=ledger.gg, user=people.user("director"), parts=[(people.director.pk, 2000), (manager.pk, 1000)])
        assert dict(SplitPart.objects.values_list("person__name", "settlement")) == {"张伟": "team", "钱物业": "service_fee"}
        # Saving again (the amounts change) keeps each part's settlement.
        split = split_save(entry=ledger.gg, user=people.user("director"), parts=[(people.director.pk, 1500), (manager.pk, 1500)])
        assert dict(split.parts.values_list("person__name", "settlement")) == {"张伟": "team", "钱物业": "service_fee"}
    gg = [r for r in rows_of(RewardsExport(2026).to_bytes())[1:] if r[1] == "东原·光谷印"]
    assert gg == [
        ("2026Q1", "东原·光谷印", 3000, "团队奖惩", "草稿", people.director.employee_id, "张伟", 1500),
        ("2026Q1", "东原·光谷印", 3000, "服务费结算", "草稿", manager.employee_id, "钱物业", 1500),
    ]
