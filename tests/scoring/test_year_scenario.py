"""A year, end to end through the command line (SPEC §10, §11): import_catalogue, import_org and import_inspection,
publish_quarter quarter by quarter, export_quarter and export_caps — every figure checked against arithmetic done by hand.

The organisation: projects AA 东原·澜岸, BB 东原·印长江, CC 东原·启城; weights 一级 3, 二级 2, 三级 1; every function has
touchpoints -01 一级(3), -02 一级(3), -03 二级(2), -04 二级(2), -05 三级(1). People join and leave during the year (the
engineering head changes on 16 May, CC gets a director in March and a new customer-relations manager in October…).
It covers ties (Q2 rank 1 twice in both rankings; Q3 rank 2 twice), exact boundaries (marketing exactly 90% in Q1 earns
nothing; exactly 60% is B- and not fined, Q1/Q3/Q4; BB exactly 70% is B in Q1), a function with no applicable item
(property: only not-applicable items in Q1, none at all in Q2 and Q4), a project not inspected (CC in Q1), and caps by
both R11 rules, plus units at risk before the year ends. SPEC §6: team members of capped units (侯客服 in customer
relations, 柯客服 in CC) are never capped nor listed at risk. SPEC §8: AA's Q2 reward is split by its director with a part
for AA's property manager, exported as 服务费结算.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command

from core.dates import SHANGHAI, Quarter
from scoring.models import QuarterResult
from tests.factories import StageFactory, default_levels
from tests.touchpoints.workbooks import workbook_bytes
from touchpoints.spreadsheets import CATALOGUE_COLUMNS, PEOPLE_COLUMNS, PROJECT_COLUMNS

from .builders import sheet_names, sheet_rows

pytestmark = pytest.mark.django_db

PREFIX = {"营销": "MKT", "研发": "DES", "工程": "ENG", "客户关系": "CRM", "物业": "PRO"}
LEVELS = ["一级", "一级", "二级", "二级", "三级"]  # -01 … -05: weights 3, 3, 2, 2, 1
RANKING = ("排名", "编号", "名称", "得分", "等级", "奖惩金额", "结算方式")
DETAIL = ("项目编号", "职能", "完成权重", "适用权重", "得分")
CAPS = ("工号", "姓名", "考核单元", "角色", "年度", "绩效上限", "触发季度", "触发规则")
RISK = ("考核单元", "单元类型", "已评B-及以下季度", "预警季度", "工号", "姓名", "角色")
TEAM, FEE, NOT_ASSESSED = "团队奖惩", "服务费结算", "不列入考核"
BOTH_RULES = "连续两个季度、累计三个季度"

PROJECTS = [["AA", "东原·澜岸", "开盘销售"], ["BB", "东原·印长江", "开盘销售"], ["CC ", "东原·启城", "开盘销售"]]
PEOPLE = [
    ["2001", "马营销", "2001@example.cn", "营销", "职能负责人", "", "2025-01-01", ""],
    ["2002", "顾研发", "2002@example.cn", "研发", "职能负责人", "", "2025-01-01", ""],
    ["2003", "甘工程", "2003@example.cn", "engineering", "职能负责人", "", "2025-01-01", "2026-05-15"],  # leaves
    ["2004", "程接任", "2004@example.cn", "工程", "职能负责人", "", dt.datetime(2026, 5, 16), ""],  # joins
    ["2005", "柯客服", "2005@example.cn", "客户关系", "职能负责人", "", "2025-01-01", ""],
    ["2005", "柯客服", "2005@example.cn", "CC", "团队成员", "", "2026-01-01", ""],  # a second unit
    ["2006", "武物业", "2006@example.cn", "物业", "职能负责人", "", "2025-01-01", ""],
    ["2011", "安总监", "2011@example.cn", "AA", "项目总监", "", "2025-01-01", ""],
    ["2012", "白总监", "2012@example.cn", "BB", "项目总监", "", "2025-01-01", ""],
    ["2013", "陈总监", "2013@example.cn", "CC", "项目总监", "", "2026-03-01", ""],
    ["2021", "艾营销", "2021@example.cn", "AA", "职能经理", "营销", "2025-01-01", ""],
    ["2024", "孔物业", "2024@example.cn", "AA", "职能经理", "物业", "2025-01-01", ""],  # the property company's manager
    ["2022", "曹客服", "2022@example.cn", "CC", "职能经理", "客户关系", "2025-01-01", "2026-06-30"],  # leaves
    ["2023", "邓新人", "2023@example.cn", "CC", "职能经理", "客户关系", "2026-10-01", ""],  # joins
    ["2031", "范工程", "2031@example.cn", "工程", "团队成员", "", "2026-07-01", ""],  # joins
    ["2032", "侯客服", "2032@example.cn", "客户关系", "团队成员", "", "2025-01-01", "2026-08-31"],  # leaves
]

Y, N, X = "完成", "未完成", "不适用"
# (project, function) → {touchpoint number: verdict}. The comment is (done weight / applicable weight).
INSPECTIONS = {
    1: {
        ("AA", "营销"): {1: Y, 2: Y, 3: Y, 4: Y, 5: Y},  # 11/11
        ("BB", "营销"): {1: Y, 2: Y, 3: N, 5: Y},  # 3+3+1 / 3+3+2+1 = 7/9
        ("AA", "研发"): {1: Y, 2: Y, 3: N, 4: N, 5: X},  # 6/10
        ("AA", "工程"): {1: N, 2: N, 3: Y},  # 2/8
        ("BB", "工程"): {1: Y, 2: Y, 3: N, 4: N, 5: Y},  # 7/11
        ("AA", "客户关系"): {1: Y, 2: Y, 3: N, 4: N, 5: N},  # 6/11
        ("AA", "物业"): {1: X, 3: X},  # 0/0: inspected, nothing applies
    },
    2: {
        ("AA", "营销"): {1: Y},  # 3/3
        ("AA", "研发"): {1: Y, 3: Y},  # 5/5
        ("BB", "研发"): {1: Y, 2: N},  # 3/6
        ("BB", "工程"): {1: Y, 2: N, 3: Y, 4: N, 5: Y},  # 3+2+1 = 6/11
        ("CC", "客户关系"): {1: Y, 2: Y, 3: Y, 4: Y, 5: Y},  # 11/11
    },
    3: {
        ("AA", "营销"): {1: Y, 2: Y, 3: Y, 4: Y, 5: Y},  # 11/11
        ("BB", "营销"): {1: Y, 3: N},  # 3/5
        ("AA", "研发"): {1: Y, 2: Y, 3: N, 4: N},  # 6/10
        ("AA", "工程"): {1: Y, 2: Y, 3: Y},  # 8/8
        ("CC", "工程"): {1: Y, 2: N},  # 3/6
        ("AA", "客户关系"): {3: Y, 5: N},  # 2/3
        ("BB", "物业"): {1: Y, 2: Y, 3: Y, 4: Y, 5: Y},  # 11/11
        ("CC", "物业"): {3: N, 5: N},  # 0/3
    },
    4: {
        ("CC", "营销"): {1: N, 2: N, 3: Y},  # 2/8
        ("BB", "营销"): {1: Y, 3: Y, 4: Y},  # 7/7
        ("AA", "研发"): {1: Y, 3: Y},  # 5/5
        ("BB", "工程"): {1: Y, 2: Y, 3: Y, 4: N, 5: Y},  # 3+3+2+1 = 9/11
        ("AA", "客户关系"): {1: Y, 2: Y, 3: N, 4: N, 5: N},  # 6/11
        ("CC", "客户关系"): {1: Y, 3: N},  # 3/5
    },
}

# Expected workbooks, worked out by hand. Functions pool their cells across projects, projects across functions.
EXPECTED = {
    1: {
        "职能排名": [
            (1, "marketing", "营销", 90, "A", 0, None),  # (11+7)/(11+9) = 18/20 = 90.00 exactly: rank 1 earns nothing (R12)
            (2, "design", "研发", 60, "B-", 0, None),  # 6/10 = 60.00 exactly: B-, not fined (R13)
            (3, "customer_relations", "客户关系", 54.55, "C", -3000, TEAM),  # 6/11 = 54.545…
            (4, "engineering", "工程", 47.37, "C", -3000, TEAM),  # (2+7)/(8+11) = 9/19 = 47.368…
            (None, "property", "物业", None, NOT_ASSESSED, 0, None),  # 0/0 (R6)
        ],
        "项目排名": [
            (1, "BB", "东原·印长江", 70, "B", 0, None),  # (7+7)/(9+11) = 14/20 = 70.00 exactly: B
            (2, "AA", "东原·澜岸", 62.5, "B-", 0, None),  # (11+6+2+6+0)/(11+10+8+11+0) = 25/40 = 62.50
            (None, "CC", "东原·启城", None, NOT_ASSESSED, 0, None),  # not inspected this quarter
        ],
        "明细": [
            ("AA", "营销", 11, 11, 100),
            ("AA", "研发", 6, 10, 60),
            ("AA", "工程", 2, 8, 25),
            ("AA", "客户关系", 6, 11, 54.55),
            ("AA", "物业", 0, 0, None),
            ("BB", "营销", 7, 9, 77.78),  # 77.777…
            ("BB", "工程", 7, 11, 63.64),  # 63.636…
        ],
    },
    2: {
        "职能排名": [
            (1, "customer_relations", "客户关系", 100, "A", 3000, TEAM),  # 11/11, tie at rank 1: each earns it
            (1, "marketing", "营销", 100, "A", 3000, TEAM),  # 3/3
            (3, "design", "研发", 72.73, "B", 0, None),  # (5+3)/(5+6) = 8/11 = 72.727…; rank 2 skipped
            (4, "engineering", "工程", 54.55, "C", -3000, TEAM),  # 6/11
            (None, "property", "物业", None, NOT_ASSESSED, 0, None),  # no item at all
        ],
        "项目排名": [
            (1, "AA", "东原·澜岸", 100, "A", 3000, TEAM),  # (3+5)/(3+5) = 8/8
            (1, "CC", "东原·启城", 100, "A", 3000, TEAM),  # 11/11
            (3, "BB", "东原·印长江", 52.94, "C", -3000, TEAM),  # (3+6)/(6+11) = 9/17 = 52.941…
        ],
        "明细": [
            ("AA", "营销", 3, 3, 100),
            ("AA", "研发", 5, 5, 100),
            ("BB", "研发", 3, 6, 50),
            ("BB", "工程", 6, 11, 54.55),
            ("CC", "客户关系", 11, 11, 100),
        ],
    },
    3: {
        "职能排名": [
            (1, "marketing", "营销", 87.5, "B+", 0, None),  # (11+3)/(11+5) = 14/16 = 87.50: not above 90
            (2, "engineering", "工程", 78.57, "B", 0, None),  # (8+3)/(8+6) = 11/14 = 78.571…
            (2, "property", "物业", 78.57, "B", 0, None),  # (11+0)/(11+3) = 11/14: tie at rank 2
            (4, "customer_relations", "客户关系", 66.67, "B-", 0, None),  # 2/3
            (5, "design", "研发", 60, "B-", 0, None),  # 6/10 = 60.00 exactly: last, still not fined
        ],
        "项目排名": [
            (1, "BB", "东原·印长江", 87.5, "B+", 0, None),  # (3+11)/(5+11) = 14/16
            (2, "AA", "东原·澜岸", 84.38, "B+", 0, None),  # (11+6+8+2)/(11+10+8+3) = 27/32 = 84.375 → half-up 84.38
            (3, "CC", "东原·启城", 33.33, "C", -3000, TEAM),  # (3+0)/(6+3) = 3/9
        ],
        "明细": [
            ("AA", "营销", 11, 11, 100),
            ("AA", "研发", 6, 10, 60),
            ("AA", "工程", 8, 8, 100),
            ("AA", "客户关系", 2, 3, 66.67),
            ("BB", "营销", 3, 5, 60),
            ("BB", "物业", 11, 11, 100),
            ("CC", "工程", 3, 6, 50),
            ("CC", "物业", 0, 3, 0),
        ],
    },
    4: {
        "职能排名": [
            (1, "design", "研发", 100, "A", 3000, TEAM),  # 5/5
            (2, "engineering", "工程", 81.82, "B+", 0, None),  # 9/11 = 81.818…
            (3, "marketing", "营销", 60, "B-", 0, None),  # (2+7)/(8+7) = 9/15 = 60.00 exactly
            (4, "customer_relations", "客户关系", 56.25, "C", -3000, TEAM),  # (6+3)/(11+5) = 9/16
            (None, "property", "物业", None, NOT_ASSESSED, 0, None),
        ],
        "项目排名": [
            (1, "BB", "东原·印长江", 88.89, "B+", 0, None),  # (7+9)/(7+11) = 16/18 = 88.888…
            (2, "AA", "东原·澜岸", 68.75, "B-", 0, None),  # (5+6)/(5+11) = 11/16
            (3, "CC", "东原·启城", 38.46, "C", -3000, TEAM),  # (2+3)/(8+5) = 5/13 = 38.461…
        ],
        "明细": [
            ("AA", "研发", 5, 5, 100),
            ("AA", "客户关系", 6, 11, 54.55),
            ("BB", "营销", 7, 7, 100),
            ("BB", "工程", 9, 11, 81.82),
            ("CC", "营销", 2, 8, 25),
            ("CC", "客户关系", 3, 5, 60),
        ],
    },
}

# B- or below per quarter (from the tables above): Q1 design, customer relations, engineering, AA; Q2 engineering, BB;
# Q3 design, customer relations, CC; Q4 marketing, customer relations, AA, CC.
#
# After Q3 (Q1–Q3 published): engineering {Q1, Q2} triggers (two consecutive). At risk, each only through Q4:
# customer relations {Q1, Q3} (+Q4 → three, and Q3+Q4), design {Q1, Q3} (same), CC {Q3} (+Q4 → Q3+Q4).
# AA {Q1} (+Q4 → neither rule) and BB {Q2} are not at risk.
CAPS_AFTER_Q3 = [
    ("2003", "甘工程", "工程", "职能负责人", 2026, "B-", "2026Q1、2026Q2", "连续两个季度"),  # head until 15 May
    ("2004", "程接任", "工程", "职能负责人", 2026, "B-", "2026Q1、2026Q2", "连续两个季度"),  # head from 16 May (in Q2)
    # 2031 joined engineering on 1 July: no overlap with Q1 or Q2, not capped.
]
RISK_AFTER_Q3 = [
    ("客户关系", "职能", "2026Q1、2026Q3", "2026Q4", "2005", "柯客服", "职能负责人"),
    # SPEC §6: 2032 侯客服, a customer-relations team member until 31 Aug, is not listed: team members are never capped.
    ("研发", "职能", "2026Q1、2026Q3", "2026Q4", "2002", "顾研发", "职能负责人"),
    # 2005 柯客服 is only a team member of CC: not listed under CC.
    ("东原·启城", "项目", "2026Q3", "2026Q4", "2013", "陈总监", "项目总监"),
    ("东原·启城", "项目", "2026Q3", "2026Q4", "2023", "邓新人", "职能经理"),  # from 1 Oct: would be reached through Q4
    # 2022 left CC on 30 June: no overlap with Q3 or Q4.
]
# After Q4: engineering {Q1, Q2}; customer relations {Q1, Q3, Q4} (Q3+Q4 and three quarters); CC {Q3, Q4}.
# Design {Q1, Q3}, AA {Q1, Q4}, BB {Q2}, marketing {Q4} trigger nothing; nothing is unpublished, so nothing is at risk.
CAPS_AFTER_Q4 = [
    ("2003", "甘工程", "工程", "职能负责人", 2026, "B-", "2026Q1、2026Q2", "连续两个季度"),
    ("2004", "程接任", "工程", "职能负责人", 2026, "B-", "2026Q1、2026Q2", "连续两个季度"),
    # Capped as customer relations' head only: CC {3,4} triggers too, but 柯客服 is a team member there (SPEC §6).
    ("2005", "柯客服", "客户关系", "职能负责人", 2026, "B-", "2026Q1、2026Q3、2026Q4", BOTH_RULES),
    ("2013", "陈总监", "东原·启城", "项目总监", 2026, "B-", "2026Q3、2026Q4", "连续两个季度"),
    ("2023", "邓新人", "东原·启城", "职能经理", 2026, "B-", "2026Q3、2026Q4", "连续两个季度"),
    # 2032 侯客服, a team member of customer relations (triggered) in Q1 and Q3, is not capped (SPEC §6 Decision).
]
REWARDS = ("季度", "考核单元", "金额", "结算方式", "状态", "工号", "姓名", "分配金额")


def catalogue_workbook() -> bytes:
    sheets = {}
    for sheet, prefix in PREFIX.items():
        rows = [list(CATALOGUE_COLUMNS)]
        for number, level in enumerate(LEVELS, start=1):
            values = {"编号": f"{prefix}-{number:02d}", "阶段": "开盘销售", "触点名称": f"{sheet}触点{number}", "级别": level}
            rows.append([values.get(column, "") for column in CATALOGUE_COLUMNS])
        sheets[sheet] = rows
    return workbook_bytes(sheets)


def inspection_workbook(quarter: int) -> bytes:
    rows = [["项目编号", "职能", "触点编号", "结果", "说明"]]
    for (project, function), verdicts in INSPECTIONS[quarter].items():
        for number, verdict in verdicts.items():
            rows.append([project, function, f"{PREFIX[function]}-{number:02d}", verdict, "现场抽查"])
    return workbook_bytes({"检查结果": rows})


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


def write(path: Path, content: bytes) -> str:
    path.write_bytes(content)
    return str(path)


def test_a_year_imported_published_and_exported_through_the_commands(tmp_path: Path) -> None:
    StageFactory(name="开盘销售")
    default_levels()
    with time_machine.travel(at(dt.date(2026, 1, 5)), tick=False):
        call_command("import_catalogue", write(tmp_path / "catalogue.xlsx", catalogue_workbook()))
        org = {"项目": [list(PROJECT_COLUMNS), *PROJECTS], "人员": [list(PEOPLE_COLUMNS), *PEOPLE]}
        call_command("import_org", write(tmp_path / "org.xlsx", workbook_bytes(org)))

    for number in (1, 2, 3, 4):
        quarter = Quarter(2026, number)
        with time_machine.travel(at(quarter.last_day - dt.timedelta(days=3)), tick=False):
            call_command(
                "import_inspection", str(quarter), write(tmp_path / f"inspection-{quarter}.xlsx", inspection_workbook(number))
            )
            with pytest.raises(CommandError, match="尚未结束"):
                call_command("publish_quarter", str(quarter))
        with time_machine.travel(at(quarter.publication_date), tick=False):
            call_command("publish_quarter", str(quarter))
            output = tmp_path / f"results-{quarter}.xlsx"
            call_command("export_quarter", str(quarter), "--output", str(output))
        workbook = output.read_bytes()
        assert sheet_names(workbook) == ["职能排名", "项目排名", "明细"]
        for sheet in ("职能排名", "项目排名"):
            assert sheet_rows(workbook, sheet) == [RANKING, *EXPECTED[number][sheet]], f"{quarter} {sheet}"
        assert sheet_rows(workbook, "明细") == [DETAIL, *EXPECTED[number]["明细"]], f"{quarter} 明细"

        if number == 2:
            split_aa_reward(quarter)
        if number == 3:
            with time_machine.travel(at(quarter.publication_date), tick=False):
                call_command("export_caps", "2026", "--output", str(tmp_path / "caps-q3.xlsx"))
            caps = (tmp_path / "caps-q3.xlsx").read_bytes()
            assert sheet_names(caps) == ["绩效上限", "预警"]
            assert sheet_rows(caps, "绩效上限") == [CAPS, *CAPS_AFTER_Q3]
            assert sheet_rows(caps, "预警") == [RISK, *RISK_AFTER_Q3]

    with time_machine.travel(at(dt.date(2027, 1, 12)), tick=False):
        call_command("export_caps", "2026", "--output", str(tmp_path / "caps.xlsx"))
        with pytest.raises(CommandError, match="已发布"):
            call_command("import_inspection", "2026Q4", str(tmp_path / "inspection-2026Q4.xlsx"))
        with pytest.raises(CommandError, match="已发布"):
            call_command("publish_quarter", "2026Q4")
    caps = (tmp_path / "caps.xlsx").read_bytes()
    assert sheet_rows(caps, "绩效上限") == [CAPS, *CAPS_AFTER_Q4]
    assert sheet_rows(caps, "预警") == [RISK]
    # Ledger: Q1 two fines, Q2 four rewards and two fines, Q3 one fine, Q4 one reward and two fines.
    assert QuarterResult.objects.count() == 4
    from rewards.models import LedgerEntry

    assert sorted(LedgerEntry.objects.values_list("quarter", "unit_code", "amount")) == sorted(
        [
            (1, "customer_relations", -3000),
            (1, "engineering", -3000),
            (2, "customer_relations", 3000),
            (2, "marketing", 3000),
            (2, "engineering", -3000),
            (2, "AA", 3000),
            (2, "CC", 3000),
            (2, "BB", -3000),
            (3, "CC", -3000),
            (4, "design", 3000),
            (4, "customer_relations", -3000),
            (4, "CC", -3000),
        ]
    )
    call_command("verify_results")
    call_command("export_rewards", "2026", "--output", str(tmp_path / "rewards.xlsx"))
    ledger = sheet_rows((tmp_path / "rewards.xlsx").read_bytes(), "奖惩台账")
    assert ledger[0] == REWARDS
    # SPEC §8: one row per part; the property manager's part is settled through the property company's service fee.
    assert [row for row in ledger[1:] if row[0] == "2026Q2" and row[1] == "东原·澜岸"] == [
        ("2026Q2", "东原·澜岸", 3000, TEAM, "已提交", "2011", "安总监", 2000),
        ("2026Q2", "东原·澜岸", 3000, FEE, "已提交", "2024", "孔物业", 1000),
    ]


def split_aa_reward(quarter: Quarter) -> None:
    """AA's director (whose account import_org created) splits AA's reward with AA's property manager (R14, SPEC §8)."""
    from rewards.models import LedgerEntry
    from rewards.services import split_save
    from touchpoints.models import Person

    user = Person.objects.get(employee_id="2011").user
    people = dict(Person.objects.filter(employee_id__in=["2011", "2024"]).values_list("employee_id", "pk"))
    entry = LedgerEntry.objects.get(year=quarter.year, quarter=quarter.number, unit_code="AA")
    with time_machine.travel(at(quarter.publication_date, hour=11), tick=False):
        split = split_save(entry=entry, user=user, parts=[(people["2011"], 2000), (people["2024"], 1000)], submit=True)
    assert dict(split.parts.values_list("person__employee_id", "settlement")) == {"2011": "team", "2024": "service_fee"}
