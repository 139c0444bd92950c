"""HR's reward ledger workbook (SPEC §10 `export_rewards YEAR`), and the workbooks the HR workspace offers for download.

Sheet `奖惩台账`, columns `季度 | 考核单元 | 金额 | 结算方式 | 状态 | 工号 | 姓名 | 分配金额`: one row per split part, or one
row with empty person columns when the entry is unsplit or settled by service fee (R15). A part's 结算方式 is its own:
服务费结算 for a person of the property function (SPEC §8), 团队奖惩 otherwise. Reversed entries and reversals
are part of the ledger and are listed, with 状态 已冲销 / 冲销 (SPEC §7).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from django.http import Http404
from django.utils.translation import gettext_lazy as _

from core.dates import Quarter
from core.xlsx import Column, Export, Sheet, UnknownExport, export_for
from scoring.choices import Settlement

from .models import LedgerEntry, SplitPart
from .selectors import row_status

REWARDS_SHEET = "奖惩台账"
REWARDS_COLUMNS = ("季度", "考核单元", "金额", "结算方式", "状态", "工号", "姓名", "分配金额")


class RewardsExport(Export):
    """The year's reward and penalty ledger with every split part (SPEC §10)."""

    identifier = "rewards"
    title = _("奖惩台账")

    @classmethod
    def build(cls, *, year: int | None = None, quarter: Quarter | None = None) -> RewardsExport:
        if year is None:
            raise ValueError("a year is needed")
        return cls(year)

    def __init__(self, year: int):
        self.year = year
        self.file_stem = f"rewards-{year}"

    def columns(self) -> list[Column]:
        quarter, unit, amount, settlement, status, employee_id, name, part = REWARDS_COLUMNS
        return [
            Column(quarter, 10),
            Column(unit, 24),
            Column.money(amount, 12),
            Column(settlement, 12),
            Column(status, 10),
            Column(employee_id, 12),
            Column(name, 12),
            Column.money(part, 12),
        ]

    def rows(self) -> Iterator[tuple]:
        # Two queries whatever the size: the year's entries, and the year's parts (grouped by entry in memory; a year
        # has at most a few hundred entries, and parts are small tuples).
        parts: dict[int, list[tuple[str, str, int, str]]] = defaultdict(list)
        for entry_id, employee_id, name, amount, settlement in (
            SplitPart.objects.filter(split__entry__year=self.year)
            .order_by("split__entry_id", "person__employee_id")
            .values_list("split__entry_id", "person__employee_id", "person__name", "amount", "settlement")
            .iterator(chunk_size=2000)
        ):
            parts[entry_id].append((employee_id, name, amount, settlement))
        entries = (
            LedgerEntry.objects.filter(year=self.year)
            .select_related("split", "reverses", "reversed_by")
            .order_by("quarter", "unit_kind", "unit_code", "id")
        )
        for entry in entries.iterator(chunk_size=500):
            quarter, status = str(Quarter(entry.year, entry.quarter)), str(row_status(entry).label)
            entry_parts = parts.get(entry.pk)
            if not entry_parts:
                yield (quarter, entry.unit_name, entry.amount, str(Settlement(entry.settlement).label), status, None, None, None)
                continue
            for employee_id, name, amount, settlement in entry_parts:
                label = str(Settlement(settlement or entry.settlement).label)
                yield (quarter, entry.unit_name, entry.amount, label, status, employee_id, name, amount)

    def sheets(self) -> Iterator[Sheet]:
        yield Sheet(name=REWARDS_SHEET, columns=self.columns(), rows=self.rows())


# ---------------------------------------------------------------------------------------------------------------
# The HR workspace's downloads: the same registered classes the commands use.

# The downloads the HR workspace offers, by export identifier (SPEC §10).
WORKSPACE_EXPORTS = ("rewards", "caps", "quarter")


def workspace_export(*, kind: str, year: int, quarter: str | None = None) -> Export:
    """The export behind one download button of the HR workspace — the same class as the command — or 404."""
    if kind not in WORKSPACE_EXPORTS:
        raise Http404
    period = None
    if kind == "quarter":
        try:
            period = Quarter.parse(quarter or "")
        except ValueError as exc:
            raise Http404 from exc
    try:
        return export_for(kind).build(year=year, quarter=period)  # QuarterNotPublished is a 404
    except (UnknownExport, ValueError) as exc:
        raise Http404 from exc
