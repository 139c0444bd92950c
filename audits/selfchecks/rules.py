"""Pure rules of the monthly self-check (R8, SPEC §5): no database, no request; their tests need neither."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from core import dates

from ..choices import ItemStatus, SelfCheckState
from .choices import CellMonthStatus


def classify_cell_month(
    *, year: int, month: int, today: dt.date, state: str | None, answered: int, is_late: bool, expected: bool = True
) -> CellMonthStatus:
    """The status of one cell-month (R8).

    ``state`` is None when the cell has no checklist that month; ``expected`` says whether it should have one (a cell
    with no applicable touchpoint, or a past month nothing was generated for, has none to submit).
    """
    if state == SelfCheckState.SUBMITTED:
        return CellMonthStatus.LATE if is_late else CellMonthStatus.ON_TIME
    if state is None and not expected:
        return CellMonthStatus.NONE
    if today > dates.due_date(year, month):  # R8 Decision: past 23:59:59 of the due date
        return CellMonthStatus.MISSING
    if answered:
        return CellMonthStatus.IN_PROGRESS
    return CellMonthStatus.NOT_STARTED


def percent_half_up(numerator: int, denominator: int, places: int = 2) -> str:
    """An exact fraction as a percentage rounded half-up (SPEC §5 exactness), e.g. 13/14 -> '92.86'."""
    value = Fraction(numerator * 100, denominator)
    scaled = value * 10**places
    rounded = int(scaled + Fraction(1, 2)) if scaled >= 0 else -int(-scaled + Fraction(1, 2))
    text = f"{rounded // 10**places}.{rounded % 10**places:0{places}d}" if places else str(rounded)
    return text


@dataclass(frozen=True)
class Progress:
    """Weighted progress of a checklist: Σweight answered ÷ Σweight, and completion Σweight done ÷ Σweight applicable."""

    count: int
    answered: int
    total_weight: int
    answered_weight: int
    done_weight: int
    applicable_weight: int

    @property
    def percent(self) -> int:
        """Answered share of the weight, in whole percent (floored, so 100 means every item is answered)."""
        return self.answered_weight * 100 // self.total_weight if self.total_weight else 0

    @property
    def completion(self) -> str | None:
        """Done ÷ (done + not done) by weight, as the score will count it (SPEC §5); None while nothing applies."""
        return percent_half_up(self.done_weight, self.applicable_weight) if self.applicable_weight else None

    @property
    def unanswered(self) -> int:
        return self.count - self.answered

    @property
    def complete(self) -> bool:
        return self.count > 0 and self.answered == self.count


def progress_of(items: Iterable[tuple[int, str]]) -> Progress:
    """Progress from (weight, status) pairs."""
    count = answered = total = answered_w = done_w = applicable_w = 0
    for weight, status in items:
        count += 1
        total += weight
        if status:
            answered += 1
            answered_w += weight
        if status == ItemStatus.DONE:
            done_w += weight
        if status in (ItemStatus.DONE, ItemStatus.NOT_DONE):
            applicable_w += weight
    return Progress(count, answered, total, answered_w, done_w, applicable_w)
