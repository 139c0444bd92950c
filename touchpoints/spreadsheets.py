"""Catalogue and organisation workbooks (SPEC §10): reading them into validated plans, and the catalogue export.

Reading never writes. A plan is built from the whole workbook; if any row is invalid, `WorkbookInvalid` lists every
problem with sheet, row and column, and nothing is applied. Services in `touchpoints.services` apply a valid plan.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from core.xlsx import CellError, Column, Export, Sheet, WorkbookInvalid, cell_date, cell_text, open_workbook, read_sheet

from . import frequency as frequencies
from .choices import FUNCTION_CHINESE_NAMES, Frequency, Function, Role, function_from_text, role_from_text
from .models import Level, Project, Stage, Touchpoint

CATALOGUE_COLUMNS = ("编号", "阶段", "触点名称", "级别", "标准动作", "检查方式", "交付件", "责任部门", "协助部门")
CATALOGUE_REQUIRED = ("编号", "阶段", "触点名称", "级别")
# SPEC §10: an optional 频次 column after the nine; empty or absent means 每月, so older files keep importing.
FREQUENCY_COLUMN = "频次"
CATALOGUE_ALL_COLUMNS = (*CATALOGUE_COLUMNS, FREQUENCY_COLUMN)
# Column header → Touchpoint field, for the text fields compared and copied as they are.
CATALOGUE_TEXT_FIELDS = {
    "触点名称": "name",
    "标准动作": "standard_action",
    "检查方式": "check_method",
    "交付件": "deliverable",
    "责任部门": "responsible_dept",
    "协助部门": "assisting_dept",
}
PROJECT_SHEET = "项目"
PEOPLE_SHEET = "人员"
PROJECT_COLUMNS = ("项目编号", "项目名称", "当前阶段")
PEOPLE_COLUMNS = ("工号", "姓名", "邮箱", "考核单元", "角色", "职能", "起始日期", "结束日期")
STAGE_SEPARATORS = ("、", ",", ",", ";", ";")


def unknown_stage_message(stage: str, stages) -> str:
    """Name the choices, or say there are none yet: a message never ends in an empty list."""
    if not stages:
        return _("阶段「{stage}」不存在:系统中还没有任何阶段,请先在管理后台添加阶段").format(stage=stage)
    return _("阶段「{stage}」不存在,可选:{choices}").format(stage=stage, choices="、".join(stages))


def unknown_level_message(level: str, levels) -> str:
    if not levels:
        return _("级别「{level}」不存在:系统中还没有任何级别,请先在管理后台添加级别").format(level=level)
    return _("级别「{level}」不存在,可选:{choices}").format(level=level, choices="、".join(levels))


def split_stages(text: str) -> list[str]:
    for separator in STAGE_SEPARATORS[1:]:
        text = text.replace(separator, STAGE_SEPARATORS[0])
    return [part.strip() for part in text.split(STAGE_SEPARATORS[0]) if part.strip()]


# ---------------------------------------------------------------------------------------------------------------
# Catalogue


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class TouchpointRow:
    """A valid catalogue row, with its stage and level already resolved."""

    sheet: str
    row: int
    code: str
    function: Function
    stage: Stage
    level: Level
    values: dict[str, str]
    frequency: Frequency = Frequency.MONTHLY
    yearly_month: int | None = None

    @property
    def frequency_text(self) -> str:
        return frequencies.to_text(frequency=self.frequency, yearly_month=self.yearly_month)

    def changes_against(self, touchpoint: Touchpoint) -> list[FieldChange]:
        changes = []
        if (touchpoint.frequency, touchpoint.yearly_month) != (self.frequency, self.yearly_month):
            changes.append(FieldChange(FREQUENCY_COLUMN, touchpoint.frequency_text, self.frequency_text))
        if touchpoint.stage_id != self.stage.pk:
            changes.append(FieldChange(_("阶段"), touchpoint.stage.name, self.stage.name))
        if touchpoint.level_id != self.level.pk:
            changes.append(FieldChange(_("级别"), touchpoint.level.name, self.level.name))
        for header, name in CATALOGUE_TEXT_FIELDS.items():
            before = getattr(touchpoint, name)
            if before != self.values[name]:
                changes.append(FieldChange(header, before, self.values[name]))
        if not touchpoint.is_active:
            changes.append(FieldChange(_("启用"), _("否"), _("是")))
        return changes


@dataclass
class CataloguePlan:
    """What importing a catalogue workbook would do: touchpoints to add, to update (with each change), unchanged."""

    creates: list[TouchpointRow] = field(default_factory=list)
    updates: list[tuple[TouchpointRow, Touchpoint, list[FieldChange]]] = field(default_factory=list)
    unchanged: int = 0

    @property
    def has_changes(self) -> bool:
        return bool(self.creates or self.updates)


def sheet_function(title: str) -> Function | None:
    """A catalogue sheet is named by the function's Chinese name or code (SPEC §10)."""
    return function_from_text(title)


def catalogue_plan(source: Any) -> CataloguePlan:
    """Validate a catalogue workbook completely and return what importing it would change."""
    workbook = open_workbook(source)
    errors: list[CellError] = []
    stages = {s.name: s for s in Stage.objects.all()}
    levels = {lv.name: lv for lv in Level.objects.all()}
    levels_by_rank = {str(lv.rank): lv for lv in Level.objects.all()}
    existing = {t.code: t for t in Touchpoint.objects.select_related("stage", "level")}
    seen: dict[str, str] = {}
    seen_functions: dict[Function, str] = {}
    rows: list[TouchpointRow] = []
    valid_names = "、".join(FUNCTION_CHINESE_NAMES.values())
    for ws in workbook.worksheets:
        function = sheet_function(ws.title)
        if function is None:
            errors.append(
                CellError(ws.title, None, None, _("无法识别的工作表名,应为职能名称({names})或职能代码").format(names=valid_names))
            )
            continue
        if function in seen_functions:
            errors.append(
                CellError(ws.title, None, None, _("与工作表「{other}」是同一职能").format(other=seen_functions[function]))
            )
            continue
        seen_functions[function] = ws.title
        sheet = read_sheet(ws, CATALOGUE_ALL_COLUMNS, CATALOGUE_REQUIRED, errors)
        for row_number, record in sheet.rows:
            row_errors: list[CellError] = []

            def fail(column: str, message: str) -> None:
                row_errors.append(CellError(ws.title, row_number, column, message))  # noqa: B023

            values = {header: cell_text(record.get(header)) for header in CATALOGUE_ALL_COLUMNS}
            parsed_frequency = frequencies.from_text(values[FREQUENCY_COLUMN])
            if parsed_frequency is None:
                fail(
                    FREQUENCY_COLUMN,
                    _("频次「{value}」无法识别,可选:每月、每季度、每年N月(如 每年6月)、按事件;留空为每月").format(
                        value=values[FREQUENCY_COLUMN]
                    ),
                )
            code = values["编号"]
            for header in CATALOGUE_REQUIRED:
                if not values[header]:
                    fail(header, _("不能为空"))
            if code:
                if code in seen:
                    fail("编号", _("编号「{code}」重复,已在{where}出现").format(code=code, where=seen[code]))
                else:
                    seen[code] = _("工作表「{sheet}」第 {row} 行").format(sheet=ws.title, row=row_number)
                current = existing.get(code)
                if current is not None and current.function != function:
                    fail(
                        "编号",
                        _("编号「{code}」已属于职能「{function}」").format(code=code, function=Function(current.function).label),
                    )
            stage = stages.get(values["阶段"])
            if values["阶段"] and stage is None:
                fail("阶段", unknown_stage_message(values["阶段"], stages))
            level = levels.get(values["级别"]) or levels_by_rank.get(values["级别"])
            if values["级别"] and level is None:
                fail("级别", unknown_level_message(values["级别"], levels))
            for header, name in CATALOGUE_TEXT_FIELDS.items():
                limit = Touchpoint._meta.get_field(name).max_length
                if limit and len(values[header]) > limit:
                    fail(header, _("超过 {limit} 个字符").format(limit=limit))
            if row_errors:
                errors.extend(row_errors)
                continue
            if stage is None or level is None or parsed_frequency is None:  # unreachable: reported above
                continue
            rows.append(
                TouchpointRow(
                    sheet=ws.title,
                    row=row_number,
                    code=code,
                    function=function,
                    stage=stage,
                    level=level,
                    values={name: values[header] for header, name in CATALOGUE_TEXT_FIELDS.items()},
                    frequency=parsed_frequency[0],
                    yearly_month=parsed_frequency[1],
                )
            )
    if not workbook.worksheets:
        errors.append(CellError("-", None, None, _("工作簿中没有工作表")))
    if errors:
        raise WorkbookInvalid(errors)
    plan = CataloguePlan()
    for row in rows:
        current = existing.get(row.code)
        if current is None:
            plan.creates.append(row)
            continue
        changes = row.changes_against(current)
        if changes:
            plan.updates.append((row, current, changes))
        else:
            plan.unchanged += 1
    return plan


class CatalogueExport(Export):
    """The catalogue as the import reads it: one sheet per function, named in Chinese (SPEC §10). Round-trips."""

    identifier = "touchpoint-catalogue"
    title = _("触点目录")

    WIDTHS = (10, 10, 28, 8, 50, 40, 28, 16, 20, 12)

    def sheets(self) -> Iterator[Sheet]:
        touchpoints = Touchpoint.objects.active().select_related("stage", "level").order_by("stage__order", "code")
        by_function: dict[str, list[Touchpoint]] = {code: [] for code in Function.values}
        for touchpoint in touchpoints:
            by_function[touchpoint.function].append(touchpoint)
        columns = [Column(header, width) for header, width in zip(CATALOGUE_ALL_COLUMNS, self.WIDTHS, strict=True)]
        for code, items in by_function.items():
            yield Sheet(
                name=FUNCTION_CHINESE_NAMES[Function(code)],
                columns=columns,
                rows=(
                    (
                        t.code,
                        t.stage.name,
                        t.name,
                        t.level.name,
                        t.standard_action,
                        t.check_method,
                        t.deliverable,
                        t.responsible_dept,
                        t.assisting_dept,
                        t.frequency_text,
                    )
                    for t in items
                ),
            )


# ---------------------------------------------------------------------------------------------------------------
# Organisation


@dataclass(frozen=True)
class ProjectRow:
    row: int
    code: str
    name: str
    stages: tuple[Stage, ...]


@dataclass(frozen=True)
class AssignmentRow:
    row: int
    employee_id: str
    name: str
    email: str
    role: Role
    project_code: str | None
    function: str
    start: dt.date
    end: dt.date | None


@dataclass
class OrgPlan:
    projects: list[ProjectRow] = field(default_factory=list)
    assignments: list[AssignmentRow] = field(default_factory=list)


def org_plan(source: Any) -> OrgPlan:
    """Validate an organisation workbook (sheets 项目 and 人员) completely; see SPEC §10."""
    workbook = open_workbook(source)
    errors: list[CellError] = []
    plan = OrgPlan()
    names = {ws.title.strip(): ws for ws in workbook.worksheets}
    # SPEC §10 names both sheets: a workbook missing one is refused, naming it, before anything is read or changed.
    absent = [sheet for sheet in (PROJECT_SHEET, PEOPLE_SHEET) if sheet not in names]
    if absent:
        raise WorkbookInvalid(
            [
                CellError(
                    "-",
                    None,
                    None,
                    _(
                        "工作簿缺少「{sheet}」工作表。组织架构工作簿需要同时包含「项目」和「人员」两个工作表(现有:{present})"
                    ).format(sheet=sheet, present="、".join(names) or "-"),
                )
                for sheet in absent
            ]
        )
    stages = {s.name: s for s in Stage.objects.all()}
    project_codes = set(Project.objects.values_list("code", flat=True))

    if PROJECT_SHEET in names:
        sheet = read_sheet(names[PROJECT_SHEET], PROJECT_COLUMNS, ("项目编号", "项目名称"), errors)
        seen: set[str] = set()
        for row_number, record in sheet.rows:
            row_errors = []
            code, name = cell_text(record.get("项目编号")), cell_text(record.get("项目名称"))
            if not code:
                row_errors.append(CellError(PROJECT_SHEET, row_number, "项目编号", _("不能为空")))
            elif code in seen:
                row_errors.append(CellError(PROJECT_SHEET, row_number, "项目编号", _("项目编号「{code}」重复").format(code=code)))
            if not name:
                row_errors.append(CellError(PROJECT_SHEET, row_number, "项目名称", _("不能为空")))
            stage_names = split_stages(cell_text(record.get("当前阶段")))
            unknown = [s for s in stage_names if s not in stages]
            if unknown:
                row_errors.append(
                    CellError(
                        PROJECT_SHEET,
                        row_number,
                        "当前阶段",
                        unknown_stage_message("、".join(unknown), stages),
                    )
                )
            seen.add(code)
            if row_errors:
                errors.extend(row_errors)
                continue
            plan.projects.append(ProjectRow(row_number, code, name, tuple(stages[s] for s in stage_names)))
        project_codes |= seen

    if PEOPLE_SHEET in names:
        sheet = read_sheet(
            names[PEOPLE_SHEET],
            PEOPLE_COLUMNS,
            ("工号", "姓名", "考核单元", "角色", "起始日期"),
            errors,
            date_columns=("起始日期", "结束日期"),
        )
        identities: dict[str, tuple[str, str, int]] = {}
        for row_number, record in sheet.rows:
            row_errors = []

            def fail(column: str, message: str) -> None:
                row_errors.append(CellError(PEOPLE_SHEET, row_number, column, message))  # noqa: B023

            employee_id, name = cell_text(record.get("工号")), cell_text(record.get("姓名"))
            email = cell_text(record.get("邮箱"))
            if not employee_id:
                fail("工号", _("不能为空"))
            if not name:
                fail("姓名", _("不能为空"))
            if email:
                try:
                    validate_email(email)
                except ValidationError:
                    fail("邮箱", _("邮箱「{email}」格式不正确").format(email=email))
            if employee_id in identities and identities[employee_id][:2] != (name, email):
                fail(
                    "姓名",
                    _("工号「{id}」在第 {row} 行的姓名或邮箱与此行不一致").format(id=employee_id, row=identities[employee_id][2]),
                )
            elif employee_id:
                identities.setdefault(employee_id, (name, email, row_number))

            role = role_from_text(cell_text(record.get("角色")))
            if role is None:
                fail(
                    "角色",
                    _("角色「{role}」无法识别,可选:职能负责人、项目总监、职能经理、团队成员").format(
                        role=cell_text(record.get("角色"))
                    ),
                )
            unit_text = cell_text(record.get("考核单元"))
            project_code: str | None = None
            unit_function: Function | None = None
            if unit_text in project_codes:
                project_code = unit_text
            else:
                unit_function = function_from_text(unit_text)
                if unit_function is None:
                    fail("考核单元", _("考核单元「{unit}」既不是已知项目编号,也不是职能").format(unit=unit_text))
            function_text = cell_text(record.get("职能"))
            function = function_from_text(function_text) if function_text else None
            if function_text and function is None:
                fail("职能", _("职能「{function}」无法识别").format(function=function_text))
            stored_function = ""
            if role == Role.FUNCTIONAL_MANAGER:
                if project_code is None and (unit_function is not None):
                    fail("考核单元", _("职能经理的考核单元应为项目编号"))
                if function is None and not function_text:
                    fail("职能", _("职能经理必须填写职能"))
                stored_function = function.value if function else ""
            elif role == Role.PROJECT_DIRECTOR and unit_function is not None:
                fail("考核单元", _("项目总监的考核单元应为项目编号"))
            elif role == Role.FUNCTION_HEAD and project_code is not None:
                fail("考核单元", _("职能负责人的考核单元应为职能"))
            if role != Role.FUNCTIONAL_MANAGER:
                if function is not None and function != unit_function:
                    fail("职能", _("只有职能经理填写职能;职能单元的人员可留空"))
                stored_function = unit_function.value if unit_function else ""

            start: dt.date | None = None
            end: dt.date | None = None
            try:
                start = cell_date(record.get("起始日期"))
            except ValueError as exc:
                fail("起始日期", str(exc))
            if cell_text(record.get("结束日期")):
                try:
                    end = cell_date(record.get("结束日期"))
                except ValueError as exc:
                    fail("结束日期", str(exc))
            if start and end and end < start:
                fail("结束日期", _("结束日期早于起始日期"))
            if row_errors:
                errors.extend(row_errors)
                continue
            if role is None or start is None:  # unreachable: both were reported above
                continue
            plan.assignments.append(
                AssignmentRow(row_number, employee_id, name, email, role, project_code, stored_function, start, end)
            )

    if errors:
        raise WorkbookInvalid(errors)
    return plan
