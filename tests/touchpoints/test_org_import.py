"""Organisation import (SPEC §10): projects with stages, people by 工号 and their assignments; all-or-nothing."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from core.xlsx import WorkbookInvalid
from touchpoints.choices import Function, Role
from touchpoints.models import Assignment, Person, Project
from touchpoints.services import catalogue_load_default, org_import
from touchpoints.spreadsheets import PEOPLE_COLUMNS, PROJECT_COLUMNS, org_plan

from .workbooks import workbook_bytes

pytestmark = pytest.mark.django_db


def org_workbook(projects: list[list], people: list[list]) -> bytes:
    return workbook_bytes({"项目": [list(PROJECT_COLUMNS), *projects], "人员": [list(PEOPLE_COLUMNS), *people]})


GOOD_PROJECTS = [["GG", "东原·光谷印", "工程建设、签约按揭"], ["HK ", "东原·汉口时光道", "交付入伙,物业服务"]]
GOOD_PEOPLE = [
    [1001, "杨帆", "yangfan@example.cn", "GG", "职能经理", "营销", dt.datetime(2025, 1, 1), None],
    ["1002", "张伟", "", "GG", "项目总监", "", "2025-01-01", ""],
    ["1003", "周立新", "zhou@example.cn", "营销", "职能负责人", None, "2025-01-01", "2026-06-30"],
    ["1003", "周立新", "zhou@example.cn", "design", "团队成员", None, "2026-07-01", None],
    ["1004 ", "许诺", "", "HK", "团队成员", "", "2025-03-01", "2026-02-28"],
]


@pytest.fixture(autouse=True)
def catalogue() -> None:
    catalogue_load_default()


def test_good_workbook_creates_projects_people_assignments_and_logins() -> None:
    counts = org_import(plan=org_plan(org_workbook(GOOD_PROJECTS, GOOD_PEOPLE)))
    assert counts == {"projects": 2, "people": 4, "assignments": 5}
    assert sorted(Project.objects.get(code="HK").stages.values_list("name", flat=True)) == ["交付入伙", "物业服务"]
    lead = Person.objects.get(employee_id="1001")
    assert lead.user.username == "1001" and not lead.user.has_usable_password()
    assignment = lead.assignments.get()
    assert (assignment.role, assignment.project.code, assignment.function) == (Role.FUNCTIONAL_MANAGER, "GG", Function.MARKETING)
    head = Assignment.objects.get(person__employee_id="1003", role=Role.FUNCTION_HEAD)
    assert (head.project, head.function, head.end) == (None, Function.MARKETING, dt.date(2026, 6, 30))
    assert Assignment.objects.get(person__employee_id="1004").end == dt.date(2026, 2, 28)


def test_importing_twice_changes_nothing_and_an_end_date_is_updated_in_place() -> None:
    org_import(plan=org_plan(org_workbook(GOOD_PROJECTS, GOOD_PEOPLE)))
    again = org_import(plan=org_plan(org_workbook(GOOD_PROJECTS, GOOD_PEOPLE)))
    assert again["people"] == 0 and again["assignments"] == 0
    people = [row[:] for row in GOOD_PEOPLE]
    people[0][7] = "2026-12-31"
    org_import(plan=org_plan(org_workbook(GOOD_PROJECTS, people)))
    assignment = Assignment.objects.get(person__employee_id="1001")
    assert assignment.end == dt.date(2026, 12, 31)
    assert Assignment.objects.filter(person__employee_id="1001").count() == 1
    assert assignment.history.first().prev_record.end is None  # before and after kept


@pytest.mark.parametrize(
    ("row", "column", "fragment"),
    [
        (["2001", "甲", "", "ZZ", "项目总监", "", "2025-01-01", ""], "考核单元", "ZZ"),
        (["2001", "甲", "", "GG", "经理", "", "2025-01-01", ""], "角色", "经理"),
        (["2001", "甲", "", "GG", "职能经理", "", "2025-01-01", ""], "职能", "必须填写职能"),
        (["2001", "甲", "", "营销", "项目总监", "", "2025-01-01", ""], "考核单元", "项目编号"),
        (["2001", "甲", "", "GG", "职能负责人", "", "2025-01-01", ""], "考核单元", "职能"),
        (["2001", "甲", "", "GG", "团队成员", "", "2025-13-01", ""], "起始日期", ""),
        (["2001", "甲", "", "GG", "团队成员", "", "明天", ""], "起始日期", "明天"),
        (["2001", "甲", "", "GG", "团队成员", "", "2025-05-01", "2025-04-01"], "结束日期", "早于"),
        (["2001", "甲", "not-an-email", "GG", "团队成员", "", "2025-05-01", ""], "邮箱", "not-an-email"),
        (["", "甲", "", "GG", "团队成员", "", "2025-05-01", ""], "工号", "不能为空"),
    ],
)
def test_a_bad_person_row_refuses_everything_and_names_row_and_column(row: list, column: str, fragment: str) -> None:
    people = [*GOOD_PEOPLE[:2], row, *GOOD_PEOPLE[2:]]
    with pytest.raises(WorkbookInvalid) as info:
        org_plan(org_workbook(GOOD_PROJECTS, people))
    [error] = info.value.errors
    assert (error.sheet, error.row, error.column) == ("人员", 4, column)
    assert fragment in error.message
    assert not Project.objects.exists() and not Person.objects.exists()


def test_unknown_stage_in_project_sheet_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "org.xlsx"
    path.write_bytes(org_workbook([["GG", "东原·光谷印", "工程建设、竣工"]], GOOD_PEOPLE[:2]))
    with pytest.raises(CommandError) as info:
        call_command("import_org", str(path))
    assert "工作表「项目」第 2 行「当前阶段」列" in str(info.value) and "竣工" in str(info.value)
    assert not Project.objects.exists() and not Person.objects.exists()


def test_command_imports_a_good_file(tmp_path: Path) -> None:
    path = tmp_path / "org.xlsx"
    path.write_bytes(org_workbook(GOOD_PROJECTS, GOOD_PEOPLE))
    out = io.StringIO()
    call_command("import_org", str(path), stdout=out)
    assert "导入完成" in out.getvalue()
    assert Person.objects.count() == 4
