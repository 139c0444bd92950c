"""Touchpoint frequency (频次, SPEC §3, §10) — pure rules, no database.

每月 is due every month; 每季度 in the last month of each quarter (3, 6, 9, 12); 每年 in its one named month; 按事件
(event-driven) every month, with the extra answer 本月未发生. The workbook writes them 每月 / 每季度 / 每年N月 / 按事件.
"""

from __future__ import annotations

import re

from .choices import Frequency

QUARTER_END_MONTHS = frozenset({3, 6, 9, 12})
# The words the catalogue workbook uses (SPEC §10), whatever the interface language is.
WORKBOOK_WORDS = {Frequency.MONTHLY: "每月", Frequency.QUARTERLY: "每季度", Frequency.EVENT: "按事件"}
YEARLY_PATTERN = re.compile(r"^每年\s*(\d{1,2})\s*月$")


def is_due(*, frequency: str, yearly_month: int | None, month: int) -> bool:
    """Whether a touchpoint of this frequency belongs in the checklist of `month` (1–12). SPEC §3."""
    if frequency == Frequency.QUARTERLY:
        return month in QUARTER_END_MONTHS
    if frequency == Frequency.YEARLY:
        return yearly_month == month
    return True  # monthly and event-driven items appear every month


def from_text(text: str) -> tuple[Frequency, int | None] | None:
    """The frequency a workbook cell names (empty → 每月), or None when the word is unknown (SPEC §10)."""
    value = (text or "").strip().replace(" ", "")
    if not value:
        return Frequency.MONTHLY, None
    for frequency, word in WORKBOOK_WORDS.items():
        if value == word:
            return frequency, None
    match = YEARLY_PATTERN.match(value)
    if match and 1 <= int(match.group(1)) <= 12:
        return Frequency.YEARLY, int(match.group(1))
    return None


def to_text(*, frequency: str, yearly_month: int | None) -> str:
    """The workbook word of a frequency; `from_text(to_text(...))` gives it back (round trip)."""
    if frequency == Frequency.YEARLY:
        return f"每年{yearly_month}月"
    return WORKBOOK_WORDS[Frequency(frequency)]
