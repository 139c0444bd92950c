"""The quarter results and appraisal caps workbooks (SPEC §10), written by core.xlsx's one renderer.

Sheet names and headers are the format HR's templates read: they are fixed Chinese text, never translated.
Numbers are written as numbers (得分 92.86, 奖惩金额 3000), with the money and two-decimal formats.

    QuarterExport(quarter)   # export_quarter: 职能排名, 项目排名, 明细 — the latest published version
    CapsExport(year)         # export_caps: 绩效上限, 预警 — from published quarters only
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.http import Http404

from core.dates import Quarter
from core.xlsx import DECIMAL_FORMAT, MONEY_FORMAT, Column, Export, Sheet
from touchpoints.choices import FUNCTION_CHINESE_NAMES, ROLE_CHINESE_NAMES

from . import engine, selectors
from .models import QuarterResult

FUNCTION_RANKING_SHEET = "职能排名"
PROJECT_RANKING_SHEET = "项目排名"
DETAIL_SHEET = "明细"
CAPS_SHEET = "绩效上限"
RISK_SHEET = "预警"

RANKING_COLUMNS = (
    Column("排名", 8),
    Column("编号", 20),
    Column("名称", 24),
    Column("得分", 10, DECIMAL_FORMAT),
    Column("等级", 12),
    Column("奖惩金额", 12, MONEY_FORMAT),
    Column("结算方式", 12),
)
DETAIL_COLUMNS = (
    Column("项目编号", 14),
    Column("职能", 12),
    Column("完成权重", 10),
    Column("适用权重", 10),
    Column("得分", 10, DECIMAL_FORMAT),
)
CAPS_COLUMNS = (
    Column("工号", 12),
    Column("姓名", 12),
    Column("考核单元", 30),
    Column("角色", 20),
    Column("年度", 8),
    Column("绩效上限", 10),
    Column("触发季度", 28),
    Column("触发规则", 24),
)
RISK_COLUMNS = (
    Column("考核单元", 24),
    Column("单元类型", 10),
    Column("已评B-及以下季度", 24),
    Column("预警季度", 24),
    Column("工号", 12),
    Column("姓名", 12),
    Column("角色", 14),
)

NOT_ASSESSED = "不列入考核"  # R6
SETTLEMENT_NAMES = {"team": "团队奖惩", "service_fee": "服务费结算"}  # R15
RULE_NAMES = {engine.CapRule.CONSECUTIVE: "连续两个季度", engine.CapRule.CUMULATIVE: "累计三个季度"}  # R11
KIND_NAMES = {engine.UnitKind.FUNCTION: "职能", engine.UnitKind.PROJECT: "项目"}
JOIN = "、"


class QuarterNotPublished(Http404):
    """The quarter has no published version: there is nothing to export (a page shows it as not found)."""


def _role_name(role: str) -> str:
    return ROLE_CHINESE_NAMES.get(role, role)  # keyed by the choices, which equal their value text


def _function_name(code: str) -> str:
    return FUNCTION_CHINESE_NAMES.get(code, code)


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


class QuarterExport(Export):
    """`export_quarter QUARTER` (SPEC §10): both rankings and the per-cell detail of the latest published version.

    Assessed units by rank (ties in code order), then the not-assessed ones with 排名 and 得分 empty and 等级
    「不列入考核」. 明细 has one row per inspected cell. Raises `QuarterNotPublished` when there is no version.
    """

    identifier = "quarter"
    title = "季度考核结果"

    @classmethod
    def build(cls, *, year: int | None = None, quarter: Quarter | None = None) -> QuarterExport:
        if quarter is None or (year is not None and quarter.year != year):
            raise ValueError("a quarter of the year is needed")
        return cls(quarter)

    def __init__(self, quarter: Quarter, result: QuarterResult | None = None):
        self.quarter = quarter
        self.result = result or selectors.latest_results(quarter=quarter)
        if self.result is None:
            raise QuarterNotPublished(f"{quarter} 尚未发布")
        self.file_stem = f"quarter-results-{quarter}-v{self.result.version}"

    def _ranking(self, kind: str) -> Iterator[Sequence[Any]]:
        for unit in self.result.snapshot["units"]:
            if unit["kind"] != kind:
                continue
            assessed = unit["score"] is not None
            yield (
                unit["rank"] if assessed else None,
                unit["code"],
                unit["name"],
                _decimal(unit["percent"]) if assessed else None,
                unit["grade"] if assessed else NOT_ASSESSED,
                unit["amount"],
                SETTLEMENT_NAMES.get(unit["settlement"] or ""),
            )

    def _detail(self) -> Iterator[Sequence[Any]]:
        for cell in self.result.snapshot["cells"]:
            yield (cell["project"], _function_name(cell["function"]), cell["done"], cell["applicable"], _decimal(cell["percent"]))

    def sheets(self) -> Iterator[Sheet]:
        yield Sheet(FUNCTION_RANKING_SHEET, RANKING_COLUMNS, self._ranking(engine.UnitKind.FUNCTION))
        yield Sheet(PROJECT_RANKING_SHEET, RANKING_COLUMNS, self._ranking(engine.UnitKind.PROJECT))
        yield Sheet(DETAIL_SHEET, DETAIL_COLUMNS, self._detail())


class CapsExport(Export):
    """`export_caps YEAR` (SPEC §10, R11): one row per capped person — several units joined by 、, the quarters that
    triggered and the rules that hold — and the units at risk with the people their cap would reach."""

    identifier = "caps"
    title = "绩效上限"

    @classmethod
    def build(cls, *, year: int | None = None, quarter: Quarter | None = None) -> CapsExport:
        if year is None:
            raise ValueError("a year is needed")
        return cls(year)

    def __init__(self, year: int):
        self.year = year
        self.file_stem = f"appraisal-caps-{year}"

    def _names(self, caps: engine.AppraisalCaps) -> dict[engine.UnitKey, str]:
        units = {unit for person in caps.people for unit in person.units} | {status.unit for status in caps.at_risk}
        names = selectors.unit_names(units)
        return {
            unit: _function_name(unit.code) if unit.kind is engine.UnitKind.FUNCTION else names.get(unit, unit.code)
            for unit in units
        }

    def sheets(self) -> Iterator[Sheet]:
        caps, exposed = selectors.caps_and_exposure_for_year(year=self.year)
        names = self._names(caps)
        yield Sheet(CAPS_SHEET, CAPS_COLUMNS, self._cap_rows(caps, names))
        yield Sheet(RISK_SHEET, RISK_COLUMNS, self._risk_rows(caps, exposed, names))

    def _cap_rows(self, caps: engine.AppraisalCaps, names: dict[engine.UnitKey, str]) -> Iterator[Sequence[Any]]:
        # Thousands of people share a few distinct units, roles, quarters and rules: each distinct tuple is joined
        # into its text once per export.
        units: dict[tuple[engine.UnitKey, ...], str] = {}
        roles: dict[tuple[str, ...], str] = {}
        periods: dict[tuple[int, ...], str] = {}
        rules: dict[tuple[engine.CapRule, ...], str] = {}
        for person in caps.people:
            unit_text = units.get(person.units)
            if unit_text is None:
                unit_text = units[person.units] = JOIN.join(names[unit] for unit in person.units)
            role_text = roles.get(person.roles)
            if role_text is None:
                role_text = roles[person.roles] = JOIN.join(_role_name(role) for role in person.roles)
            period_text = periods.get(person.trigger_quarters)
            if period_text is None:
                period_text = periods[person.trigger_quarters] = JOIN.join(str(q) for q in person.trigger_periods)
            rule_text = rules.get(person.rules)
            if rule_text is None:
                rule_text = rules[person.rules] = JOIN.join(RULE_NAMES[rule] for rule in person.rules)
            yield (person.employee_id, person.name, unit_text, role_text, person.year, person.cap, period_text, rule_text)

    def _risk_rows(
        self,
        caps: engine.AppraisalCaps,
        spans: dict[engine.UnitKey, list[engine.AssignmentSpan]],
        names: dict[engine.UnitKey, str],
    ) -> Iterator[Sequence[Any]]:
        for status in caps.at_risk:
            head = (
                names[status.unit],
                KIND_NAMES[status.unit.kind],
                JOIN.join(str(q) for q in status.low_periods),
                JOIN.join(str(q) for q in status.risk_periods),
            )
            people: dict[int, list[engine.AssignmentSpan]] = {}
            for span in sorted(spans.get(status.unit, []), key=lambda s: (s.employee_id, s.start)):
                people.setdefault(span.person_id, []).append(span)
            if not people:
                yield (*head, None, None, None)
            for person_spans in people.values():
                first = person_spans[0]
                roles = JOIN.join(dict.fromkeys(_role_name(span.role) for span in person_spans))
                yield (*head, first.employee_id, first.name, roles)
