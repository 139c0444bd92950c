"""The one calendar module: due dates, quarters and publication dates (SPEC §4).

Every date rule of the product lives here, in plain Python with no Django import, so the
rest of the code never does calendar arithmetic of its own. All wall-clock questions are
answered in the company's time zone, Asia/Shanghai, whatever the server's time zone is.

- R8 Decision — a month's self-check is due on the 30th, or on the last day of a month
  without a 30th (February); a submission after 23:59:59 of the due date is late.
- R9 Decision — a quarter's results are due on the 10th of the first month of the next
  quarter: Q1 → 10 April, Q2 → 10 July, Q3 → 10 October, Q4 → 10 January of the next year.
- Quarters are calendar quarters (Q1 = January–March …), written ``2026Q1`` everywhere.

Public API::

    SHANGHAI: ZoneInfo
    Quarter(year, number)               # frozen, ordered; str() -> "2026Q1"
        Quarter.parse(text) / Quarter.of(d) / Quarter.of_year(year)
        .label  .first_day  .last_day  .months  .publication_date
        .next()  .previous()  .has_ended(today)  .contains(d)  .overlaps(start, end)
    due_date(year, month) -> date
    due_deadline(year, month) -> datetime
    is_late(submitted_at, year, month) -> bool
    reminder_dates(year, month) -> tuple[date, date]
    local_now() -> datetime
    local_today() -> date
    month_label(year, month) -> str
    parse_month(text) -> tuple[int, int]
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# Labels are translated once Django is ready (core.apps sets `translate` to gettext); without Django they stay Chinese,
# so this module still imports nothing from Django.
translate: Callable[[str], str] = str


def _(text: str) -> str:
    return translate(text)


__all__ = [
    "SHANGHAI",
    "Quarter",
    "due_date",
    "due_deadline",
    "is_late",
    "local_now",
    "local_today",
    "month_label",
    "parse_month",
    "reminder_dates",
]

SHANGHAI = ZoneInfo("Asia/Shanghai")

# R8 Decision: the day of the month a self-check is due (clamped to the month's last day).
DUE_DAY = 30
# R8 (reminders, SPEC §9): the early reminder goes out this many days before the due date.
REMINDER_DAYS_BEFORE = 3
# R9 Decision: results are due on this day of the month after the quarter.
PUBLICATION_DAY = 10

_QUARTER_RE = re.compile(r"(\d{4})[Qq]([1-4])")
_MONTH_RE = re.compile(r"(\d{4})-(\d{1,2})")


def _check_month(year: int, month: int) -> None:
    if not 1 <= month <= 12:
        raise ValueError(f"月份应在 1 到 12 之间，收到 {year}-{month}")


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter of a year (R4: assessment is quarterly).

    Ordered chronologically, hashable, and written ``2026Q1`` (``str(quarter)``), the form
    used in commands, exports and URLs.
    """

    year: int
    number: int

    def __post_init__(self) -> None:
        if not 1 <= self.number <= 4:
            raise ValueError(f"季度应为 1 到 4，收到 {self.number}")
        if not 1 <= self.year <= 9999:
            raise ValueError(f"年份应在 1 到 9999 之间，收到 {self.year}")

    # -- construction --------------------------------------------------------------------

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """Read ``2026Q1`` (surrounding spaces and a lower-case ``q`` are accepted)."""
        match = _QUARTER_RE.fullmatch(text.strip()) if isinstance(text, str) else None
        if match is None:
            raise ValueError(f'季度格式应为 2026Q1，收到 "{text}"')
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, d: date) -> Quarter:
        """The quarter a date falls in."""
        return cls(d.year, (d.month - 1) // 3 + 1)

    @classmethod
    def of_year(cls, year: int) -> tuple[Quarter, Quarter, Quarter, Quarter]:
        """The four quarters of a year, Q1 first."""
        return (cls(year, 1), cls(year, 2), cls(year, 3), cls(year, 4))

    # -- presentation --------------------------------------------------------------------

    def __str__(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def label(self) -> str:
        """The reader's label, e.g. ``2026年第1季度`` (Q1 2026 in English)."""
        return _("{year}年第{number}季度").format(year=self.year, number=self.number)

    # -- calendar ------------------------------------------------------------------------

    @property
    def months(self) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
        """The quarter's three months as ``(year, month)`` pairs."""
        first = 3 * self.number - 2
        return ((self.year, first), (self.year, first + 1), (self.year, first + 2))

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> date:
        month = 3 * self.number
        return date(self.year, month, calendar.monthrange(self.year, month)[1])

    @property
    def publication_date(self) -> date:
        """R9 Decision: the 10th of the first month of the next quarter."""
        return self.next().first_day.replace(day=PUBLICATION_DAY)

    def next(self) -> Quarter:
        if self.number == 4:
            return Quarter(self.year + 1, 1)
        return Quarter(self.year, self.number + 1)

    def previous(self) -> Quarter:
        if self.number == 1:
            return Quarter(self.year - 1, 4)
        return Quarter(self.year, self.number - 1)

    def has_ended(self, today: date) -> bool:
        """True once the quarter's last day is over (publishing is allowed from then on)."""
        return today > self.last_day

    def contains(self, d: date) -> bool:
        return self.first_day <= d <= self.last_day

    def overlaps(self, start: date, end: date | None) -> bool:
        """Whether an assignment span shares at least one day with the quarter.

        ``end`` is inclusive; ``None`` means the span is still open.
        """
        if end is not None and end < start:
            raise ValueError(f"结束日期 {end} 早于起始日期 {start}")
        return start <= self.last_day and (end is None or end >= self.first_day)


# -- monthly self-check (R8) ---------------------------------------------------------------


def due_date(year: int, month: int) -> date:
    """R8 Decision: the 30th, or the last day of a month without a 30th (February)."""
    _check_month(year, month)
    return date(year, month, min(DUE_DAY, calendar.monthrange(year, month)[1]))


def due_deadline(year: int, month: int) -> datetime:
    """The last instant of the due date in Shanghai time (aware).

    A submission strictly after this instant — i.e. on a later Shanghai calendar day —
    is late (R8 Decision).
    """
    return datetime.combine(due_date(year, month), time.max, tzinfo=SHANGHAI)


def is_late(submitted_at: datetime, year: int, month: int) -> bool:
    """R8 Decision: submitted after 23:59:59 (Shanghai) of the month's due date.

    ``submitted_at`` must be time-zone aware; any zone is fine.
    """
    if submitted_at.utcoffset() is None:
        raise ValueError("提交时间必须带时区")
    return submitted_at.astimezone(SHANGHAI).date() > due_date(year, month)


def reminder_dates(year: int, month: int) -> tuple[date, date]:
    """SPEC §9: reminders go out three days before the due date and on the due date."""
    due = due_date(year, month)
    return (due - timedelta(days=REMINDER_DAYS_BEFORE), due)


# -- now, labels, parsing ------------------------------------------------------------------


def local_now() -> datetime:
    """The current time in Shanghai (aware)."""
    return datetime.now(SHANGHAI)


def local_today() -> date:
    """Today's date in Shanghai, whatever the server's time zone."""
    return local_now().date()


def month_label(year: int, month: int) -> str:
    """The reader's label, e.g. ``2026年11月`` (11/2026 in English)."""
    _check_month(year, month)
    return _("{year}年{month}月").format(year=year, month=month)


def parse_month(text: str) -> tuple[int, int]:
    """Read ``2026-11`` (or ``2026-1``) into ``(2026, 11)``."""
    match = _MONTH_RE.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f'月份格式应为 2026-11，收到 "{text}"')
    return int(match.group(1)), int(match.group(2))
