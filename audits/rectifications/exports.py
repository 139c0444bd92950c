"""The rectification register (SPEC §10 `export_rectifications YEAR`): sheet 整改台账 here, and the sheets other apps
register (scoring adds 整改方案, the plans of fined units), so this package never imports the apps above it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.utils.translation import gettext_lazy as _

from core import dates
from core.dates import Quarter
from core.xlsx import Column, Export, Sheet
from touchpoints.choices import FUNCTION_CHINESE_NAMES, Function

from . import rules
from .models import Rectification
from .selectors import person_label

REGISTER_SHEET = "整改台账"
REGISTER_COLUMNS = (
    "季度",
    "项目编号",
    "职能",
    "触点编号",
    "触点名称",
    "检查发现",
    "虚报",
    "责任人工号",
    "责任人",
    "截止日期",
    "状态",
    "整改说明",
    "验证人",
    "验证日期",
)

# Further sheets of the register, registered by the apps that own them: f(year) -> Sheet.
_EXTRA_SHEETS: list[Callable[[int], Sheet]] = []


def register_sheet(provider: Callable[[int], Sheet]) -> None:
    """Add a sheet to every register workbook (called once from an app's ready())."""
    if provider not in _EXTRA_SHEETS:
        _EXTRA_SHEETS.append(provider)


class RectificationExport(Export):
    """Every rectification opened in the year (withdrawn ones excepted), and the registered sheets (SPEC §10)."""

    identifier = "rectifications"
    title = _("整改台账")

    @classmethod
    def build(cls, *, year: int | None = None, quarter=None) -> RectificationExport:
        if year is None:
            raise ValueError("a year is needed")
        return cls(year)

    def __init__(self, year: int, *, today=None):
        self.year = year
        self.today = today or dates.local_today()
        self.file_stem = f"rectifications-{year}"

    def columns(self) -> list[Column]:
        widths = (10, 10, 10, 10, 24, 30, 6, 12, 10, 12, 12, 30, 10, 12)
        return [
            Column.date(h, w) if h in ("截止日期", "验证日期") else Column(h, w)
            for h, w in zip(REGISTER_COLUMNS, widths, strict=True)
        ]

    def rows(self) -> Iterator[tuple]:
        rects = (
            Rectification.objects.live()
            .filter(opened_on__year=self.year)
            .select_related("project", "responsible__person", "verified_by__person")
            .order_by("year", "quarter", "project__code", "function", "code", "id")
        )
        for rect in rects.iterator(chunk_size=500):
            employee_id, name = person_label(rect.responsible)
            verified_date = rect.verified_at.astimezone(dates.SHANGHAI).date() if rect.verified_at else None
            yield (
                str(Quarter(rect.year, rect.quarter)),
                rect.project.code,
                FUNCTION_CHINESE_NAMES[Function(rect.function)],
                rect.code,
                rect.name,
                rect.finding,
                "是" if rect.false_claim else "",
                employee_id,
                name,
                rect.due_date,
                rules.register_state(state=rect.state, due=rect.due_date, today=self.today),
                rect.description,
                person_label(rect.verified_by)[1] if rect.verified_by_id else "",
                verified_date,
            )

    def sheets(self) -> Iterator[Sheet]:
        yield Sheet(name=REGISTER_SHEET, columns=self.columns(), rows=self.rows())
        for provider in _EXTRA_SHEETS:
            yield provider(self.year)
