"""Paper inspection workbooks (SPEC §10): reading and validating them into a plan. Reading never writes.

Format, header row 1, data from row 2, on every non-empty sheet: `项目编号 | 职能 | 触点编号 | 结果 | 说明`.
职能 is a function code or Chinese name; 结果 is 完成 / 未完成 / 不适用 (or done / not_done / na). Every row is validated
first; one bad row refuses the whole workbook (`WorkbookInvalid`, each error naming sheet, row and column).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from core.dates import Quarter, local_today
from core.publication import quarter_is_published
from core.xlsx import CellError, WorkbookInvalid, cell_text, open_workbook, read_sheet, sheet_is_empty
from touchpoints.choices import FUNCTION_CHINESE_NAMES, Function, function_from_text
from touchpoints.models import Project, Touchpoint

from ..choices import ItemStatus
from ..models import Inspection

INSPECTION_COLUMNS = ("项目编号", "职能", "触点编号", "结果", "说明")
INSPECTION_REQUIRED = ("项目编号", "职能", "触点编号", "结果")
RESULT_WORDS = {
    "完成": ItemStatus.DONE,
    "已完成": ItemStatus.DONE,
    "done": ItemStatus.DONE,
    "未完成": ItemStatus.NOT_DONE,
    "not_done": ItemStatus.NOT_DONE,
    "not done": ItemStatus.NOT_DONE,
    "不适用": ItemStatus.NA,
    "na": ItemStatus.NA,
    "n/a": ItemStatus.NA,
}


def result_from_text(text: str) -> ItemStatus | None:
    """A verdict from the words users write in the 结果 column, or None."""
    return RESULT_WORDS.get((text or "").strip().lower())


@dataclass(frozen=True)
class InspectionRow:
    """A valid workbook row, with its touchpoint resolved."""

    sheet: str
    row: int
    touchpoint: Touchpoint
    verdict: ItemStatus
    finding: str


@dataclass
class InspectionGroup:
    """One (project, function) group: it becomes one finalised inspection whose items are exactly its rows."""

    project: Project
    function: Function
    rows: list[InspectionRow] = field(default_factory=list)
    replaces: Inspection | None = None
    replaced_items: int = 0

    def count(self, verdict: str) -> int:
        return sum(1 for r in self.rows if r.verdict == verdict)

    @property
    def done(self) -> int:
        return self.count(ItemStatus.DONE)

    @property
    def not_done(self) -> int:
        return self.count(ItemStatus.NOT_DONE)

    @property
    def not_applicable(self) -> int:
        return self.count(ItemStatus.NA)


@dataclass
class InspectionPlan:
    """What importing the workbook would do for the quarter: inspections to create and to replace."""

    quarter: Quarter
    groups: list[InspectionGroup] = field(default_factory=list)

    @property
    def creates(self) -> list[InspectionGroup]:
        return [g for g in self.groups if g.replaces is None]

    @property
    def replaces(self) -> list[InspectionGroup]:
        return [g for g in self.groups if g.replaces is not None]

    @property
    def rows(self) -> int:
        return sum(len(g.rows) for g in self.groups)


def inspection_plan(source: Any, *, quarter: Quarter) -> InspectionPlan:
    """Validate a paper inspection workbook completely and return what importing it would do."""
    if quarter_is_published(quarter):
        raise WorkbookInvalid(
            [CellError("-", None, None, _("{quarter} 的考核结果已发布,不能再导入检查结果").format(quarter=quarter))]
        )
    if local_today() < quarter.first_day:
        # An inspection can only be of a quarter that has begun (SPEC §11).
        raise WorkbookInvalid(
            [
                CellError(
                    "-",
                    None,
                    None,
                    _("{quarter} 尚未开始({day} 起),不能导入该季度的检查结果").format(
                        quarter=quarter, day=quarter.first_day.isoformat()
                    ),
                )
            ]
        )
    workbook = open_workbook(source)
    errors: list[CellError] = []
    projects = {p.code: p for p in Project.objects.all()}
    touchpoints = {t.code: t for t in Touchpoint.objects.select_related("stage", "level")}
    names = "、".join(FUNCTION_CHINESE_NAMES.values())
    seen: dict[tuple[str, str, str], str] = {}
    groups: dict[tuple[str, str], InspectionGroup] = {}
    read_any = False
    for ws in workbook.worksheets:
        if sheet_is_empty(ws):
            continue  # an empty extra sheet is not an error
        read_any = True
        sheet = read_sheet(ws, INSPECTION_COLUMNS, INSPECTION_REQUIRED, errors)
        for row_number, record in sheet.rows:
            row_errors: list[CellError] = []

            def fail(column: str, message: str) -> None:
                row_errors.append(CellError(ws.title, row_number, column, message))  # noqa: B023

            values = {c: cell_text(record.get(c)) for c in INSPECTION_COLUMNS}
            for column in INSPECTION_REQUIRED:
                if not values[column]:
                    fail(column, _("不能为空"))
            project = projects.get(values["项目编号"])
            if values["项目编号"] and project is None:
                fail("项目编号", _("未知项目「{code}」").format(code=values["项目编号"]))
            function = function_from_text(values["职能"])
            if values["职能"] and function is None:
                fail("职能", _("无法识别的职能「{value}」,应为{names}或职能代码").format(value=values["职能"], names=names))
            touchpoint = touchpoints.get(values["触点编号"])
            if values["触点编号"] and touchpoint is None:
                fail("触点编号", _("未知触点编号「{code}」").format(code=values["触点编号"]))
            if touchpoint is not None and function is not None and touchpoint.function != function:
                fail(
                    "触点编号",
                    _("触点「{code}」属于职能「{other}」,不是本行的「{function}」").format(
                        code=touchpoint.code, other=Function(touchpoint.function).label, function=function.label
                    ),
                )
            verdict = result_from_text(values["结果"])
            if values["结果"] and verdict is None:
                fail("结果", _("无法识别的结果「{value}」,应为 完成、未完成 或 不适用").format(value=values["结果"]))
            if project is not None and function is not None and touchpoint is not None:
                key = (project.code, function.value, touchpoint.code)
                if key in seen:
                    fail("触点编号", _("与{where}重复(同一项目、职能、触点)").format(where=seen[key]))
                else:
                    seen[key] = _("工作表「{sheet}」第 {row} 行").format(sheet=ws.title, row=row_number)
            if row_errors:
                errors.extend(row_errors)
                continue
            group = groups.setdefault((project.code, function.value), InspectionGroup(project=project, function=function))
            group.rows.append(InspectionRow(ws.title, row_number, touchpoint, verdict, values["说明"]))
    if not read_any:
        errors.append(CellError("-", None, None, _("工作簿中没有数据")))
    elif not errors and not groups:
        errors.append(CellError(workbook.worksheets[0].title, None, None, _("没有数据行")))
    if errors:
        raise WorkbookInvalid(errors)
    existing = {
        (i.project_id, i.function): i
        for i in Inspection.objects.filter(
            year=quarter.year, quarter=quarter.number, project__in=[g.project for g in groups.values()]
        ).prefetch_related("items")
    }
    plan = InspectionPlan(quarter=quarter)
    for (_code, function), group in sorted(groups.items(), key=lambda kv: (kv[0][0], list(Function.values).index(kv[0][1]))):
        group.replaces = existing.get((group.project.pk, function))
        if group.replaces is not None:
            group.replaced_items = len(group.replaces.items.all())
        plan.groups.append(group)
    return plan
