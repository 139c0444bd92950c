"""The scoring commands (SPEC §11): clear messages, non-zero exit on bad input, nothing changed."""

from __future__ import annotations

from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command

from audits.choices import InspectionState
from scoring.models import QuarterResult

from .builders import NOT_DONE, Q1, after, build_worked_example, inspect, sheet_names, sheet_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def example(people):
    return build_worked_example()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["publish_quarter", "2026-1"], "季度格式应为 2026Q1"),
        (["publish_quarter", "2026Q1", "--user", "nobody"], "找不到用户"),
        (["amend_quarter", "2026Q1", "--reason", "更正"], "尚未发布"),
        (["export_quarter", "2026Q1", "--output", "OUT"], "尚未发布"),
        (["export_quarter", "2026Q1", "--output", "/no/such/dir/x.xlsx"], "输出目录不存在"),
        (["export_caps", "26", "--output", "OUT"], "年份格式应为 2026"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_changes(example, tmp_path: Path, args, message) -> None:
    args = [str(tmp_path / "out.xlsx") if a == "OUT" else a for a in args]
    with time_machine.travel(after(Q1), tick=False), pytest.raises(CommandError, match=message):
        call_command(*args)
    assert not QuarterResult.objects.exists()
    assert not (tmp_path / "out.xlsx").exists()


def test_publish_lists_missing_cells_and_needs_confirm_missing(example, people, capsys) -> None:
    inspect(people.project, "property", Q1, [(3, NOT_DONE)], state=InspectionState.IN_PROGRESS)
    with time_machine.travel(after(Q1), tick=False):
        with pytest.raises(CommandError, match="GG 东原·光谷印 · 物业"):
            call_command("publish_quarter", "2026Q1")
        assert not QuarterResult.objects.exists()
        call_command("publish_quarter", "2026Q1", "--confirm-missing", "--user", people.inspector.user.username)
    out = capsys.readouterr().out
    assert "2026Q1 第 1 版已发布:7 个考核单元,奖惩 3 项" in out and "GG/property" in out
    assert QuarterResult.objects.get().published_by == people.inspector.user


def test_amend_export_and_verify(example, people, tmp_path: Path, capsys) -> None:
    with time_machine.travel(after(Q1), tick=False):
        call_command("publish_quarter", "2026Q1")
        with pytest.raises(CommandError, match="相同"):
            call_command("amend_quarter", "2026Q1", "--reason", "重算")
        from scoring.models import Policy

        Policy.objects.filter(effective_from__year=2016).update(amount=2000)  # the policy was entered wrongly
        call_command("amend_quarter", "2026Q1", "--reason", "奖惩金额更正")
        call_command("export_quarter", "2026Q1", "--output", str(tmp_path / "q1.xlsx"))
        call_command("export_caps", "2026", "--output", str(tmp_path / "caps.xlsx"))
        call_command("verify_results")
    out = capsys.readouterr().out
    assert "已修订为第 2 版(替代第 1 版)" in out and "已校验 2 个已发布版本,全部一致" in out
    rows = sheet_rows((tmp_path / "q1.xlsx").read_bytes(), "职能排名")
    assert [row[5] for row in rows[1:]] == [2000, 2000, 0, 0, -2000]  # the latest version
    caps = (tmp_path / "caps.xlsx").read_bytes()
    assert sheet_names(caps) == ["绩效上限", "预警"]
    assert sheet_rows(caps, "绩效上限") == [("工号", "姓名", "考核单元", "角色", "年度", "绩效上限", "触发季度", "触发规则")]
    # SPEC §12: marketing and HK (B- in Q1) are at risk; Q2 graded low would trigger them.
    risk = sheet_rows(caps, "预警")
    assert [(r[0], r[2], r[3]) for r in risk[1:]] == [
        ("工程", "2026Q1", "2026Q2"),
        ("营销", "2026Q1", "2026Q2"),
        ("东原·汉口时光道", "2026Q1", "2026Q2"),
    ]
    assert ("营销", "职能", "2026Q1", "2026Q2", people.head.employee_id, "周立新", "职能负责人") in risk
    assert ("东原·汉口时光道", "项目", "2026Q1", "2026Q2", people.outsider.employee_id, "外人", "职能经理") in risk
    assert ("工程", "职能", "2026Q1", "2026Q2", None, None, None) in risk  # nobody assigned to engineering


def test_a_quarter_without_any_finalised_inspection_never_publishes(people) -> None:
    # Found in the field: `publish_quarter 2025Q1`, a quarter with no inspection at all, exited 0 and published (SPEC §7).
    from scoring.services import PublicationRefused, quarter_amend, quarter_publish

    with time_machine.travel(after(Q1), tick=False):
        with pytest.raises(CommandError, match="发布被拒绝,未做任何更改:2026Q1 没有任何定稿的检查"):
            call_command("publish_quarter", "2026Q1", "--confirm-missing")
        inspect(people.project, "marketing", Q1, [(3, NOT_DONE)], state=InspectionState.IN_PROGRESS)  # not finalised
        with pytest.raises(PublicationRefused, match="没有任何定稿的检查"):
            quarter_publish(quarter=Q1, user=None, confirm_missing=True)
        assert not QuarterResult.objects.exists()
        # Once published, an amendment cannot turn it into an empty quarter either.
        finalised = inspect(people.project, "design", Q1, [(3, NOT_DONE)])
        quarter_publish(quarter=Q1, user=None, confirm_missing=True)
        finalised.items.all().delete()
        finalised.delete()
        with pytest.raises(PublicationRefused, match="没有任何定稿的检查"):
            quarter_amend(quarter=Q1, user=None, reason="撤销检查")
    assert QuarterResult.objects.count() == 1
