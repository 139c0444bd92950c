"""Tests for the calendar module (SPEC §4: R8 due dates, R9 publication dates, quarters)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.dates import (
    SHANGHAI,
    Quarter,
    due_date,
    due_deadline,
    is_late,
    local_now,
    local_today,
    month_label,
    parse_month,
    reminder_dates,
)

# ------------------------------------------------------------------------------------------
# R8: due dates, deadlines, lateness, reminders
# ------------------------------------------------------------------------------------------

LEAP_YEARS = {2024, 2028}


@pytest.mark.parametrize("year", range(2024, 2029))
@pytest.mark.parametrize("month", range(1, 13))
def test_due_date_is_the_30th_or_the_end_of_february(year: int, month: int) -> None:
    last_of_february = 29 if year in LEAP_YEARS else 28
    assert due_date(year, month) == date(year, month, last_of_february if month == 2 else 30)


def test_due_date_in_a_31_day_month_is_the_30th_not_the_31st() -> None:
    assert due_date(2026, 1) == date(2026, 1, 30)
    assert due_date(2026, 12) == date(2026, 12, 30)


@pytest.mark.parametrize("month", [0, 13, -1])
def test_due_date_rejects_a_month_out_of_range(month: int) -> None:
    with pytest.raises(ValueError, match="月份"):
        due_date(2026, month)


def test_deadline_is_the_end_of_the_due_date_in_shanghai() -> None:
    deadline = due_deadline(2026, 11)
    assert deadline.tzinfo is SHANGHAI
    assert deadline.date() == date(2026, 11, 30)
    assert (deadline.hour, deadline.minute, deadline.second) == (23, 59, 59)
    # The next instant is the start of the following Shanghai day.
    assert deadline + timedelta(microseconds=1) == datetime(2026, 12, 1, tzinfo=SHANGHAI)


def test_deadline_in_february() -> None:
    assert due_deadline(2028, 2).date() == date(2028, 2, 29)
    assert due_deadline(2027, 2).date() == date(2027, 2, 28)


def test_submission_at_23_59_59_of_the_due_date_is_on_time() -> None:
    assert not is_late(datetime(2026, 11, 30, 23, 59, 59, tzinfo=SHANGHAI), 2026, 11)
    assert not is_late(datetime(2026, 11, 30, 23, 59, 59, 999999, tzinfo=SHANGHAI), 2026, 11)


def test_submission_at_midnight_after_the_due_date_is_late() -> None:
    assert is_late(datetime(2026, 12, 1, 0, 0, 0, tzinfo=SHANGHAI), 2026, 11)


def test_submission_well_before_the_due_date_is_on_time() -> None:
    assert not is_late(datetime(2026, 11, 1, 9, 0, tzinfo=SHANGHAI), 2026, 11)


def test_lateness_is_judged_in_shanghai_time_whatever_the_input_zone() -> None:
    # 15:59:59 UTC is 23:59:59 in Shanghai (UTC+8): still the due date.
    assert not is_late(datetime(2026, 11, 30, 15, 59, 59, tzinfo=UTC), 2026, 11)
    # 16:00:00 UTC is midnight in Shanghai: the next day, so late — although in UTC it is
    # still 30 November.
    assert is_late(datetime(2026, 11, 30, 16, 0, 0, tzinfo=UTC), 2026, 11)


def test_february_boundary() -> None:
    assert not is_late(datetime(2027, 2, 28, 23, 59, 59, tzinfo=SHANGHAI), 2027, 2)
    assert is_late(datetime(2027, 3, 1, 0, 0, tzinfo=SHANGHAI), 2027, 2)
    assert not is_late(datetime(2028, 2, 29, 23, 59, 59, tzinfo=SHANGHAI), 2028, 2)
    assert is_late(datetime(2028, 3, 1, 0, 0, tzinfo=SHANGHAI), 2028, 2)


def test_is_late_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match="时区"):
        is_late(datetime(2026, 11, 30, 12, 0), 2026, 11)


@given(st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)))
def test_late_exactly_when_after_the_deadline(submitted_at: datetime) -> None:
    year, month = 2026, 6
    assert is_late(submitted_at, year, month) == (submitted_at > due_deadline(year, month))


def test_reminders_three_days_before_and_on_the_due_date() -> None:
    assert reminder_dates(2026, 11) == (date(2026, 11, 27), date(2026, 11, 30))
    assert reminder_dates(2027, 2) == (date(2027, 2, 25), date(2027, 2, 28))
    assert reminder_dates(2028, 2) == (date(2028, 2, 26), date(2028, 2, 29))


# ------------------------------------------------------------------------------------------
# Now, labels, month parsing
# ------------------------------------------------------------------------------------------


def test_local_now_is_aware_in_shanghai() -> None:
    now = local_now()
    assert now.tzinfo is SHANGHAI
    assert abs(now - datetime.now(UTC)) < timedelta(minutes=1)


def test_local_today_is_the_shanghai_date() -> None:
    before = datetime.now(SHANGHAI).date()
    today = local_today()
    after = datetime.now(SHANGHAI).date()
    assert today in (before, after)


def test_month_label() -> None:
    assert month_label(2026, 11) == "2026年11月"
    assert month_label(2026, 1) == "2026年1月"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2026-11", (2026, 11)), ("2026-01", (2026, 1)), ("2026-1", (2026, 1)), (" 2026-12 ", (2026, 12))],
)
def test_parse_month(text: str, expected: tuple[int, int]) -> None:
    assert parse_month(text) == expected


@pytest.mark.parametrize("text", ["", "2026", "2026-13", "2026-00", "2026/11", "26-11", "2026-11-01", "2026Q1"])
def test_parse_month_rejects_bad_input_with_a_chinese_message(text: str) -> None:
    with pytest.raises(ValueError, match="月份格式应为 2026-11"):
        parse_month(text)


# ------------------------------------------------------------------------------------------
# Quarters
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026Q1", Quarter(2026, 1)),
        ("2026q4", Quarter(2026, 4)),
        ("  2025Q3 ", Quarter(2025, 3)),
        ("2026Q2\n", Quarter(2026, 2)),
    ],
)
def test_parse_quarter(text: str, expected: Quarter) -> None:
    assert Quarter.parse(text) == expected


@pytest.mark.parametrize("text", ["", "2026", "2026Q5", "2026Q0", "2026 Q1", "Q1 2026", "26Q1", "2026-Q1", "2026Q12"])
def test_parse_quarter_rejects_bad_input_with_a_chinese_message(text: str) -> None:
    with pytest.raises(ValueError, match="季度格式应为 2026Q1") as excinfo:
        Quarter.parse(text)
    assert f'"{text}"' in str(excinfo.value)


def test_quarter_rejects_a_number_out_of_range() -> None:
    with pytest.raises(ValueError):
        Quarter(2026, 5)
    with pytest.raises(ValueError):
        Quarter(2026, 0)


@given(st.integers(min_value=1900, max_value=2200), st.integers(min_value=1, max_value=4))
def test_str_and_parse_round_trip(year: int, number: int) -> None:
    quarter = Quarter(year, number)
    assert str(quarter) == f"{year}Q{number}"
    assert Quarter.parse(str(quarter)) == quarter


def test_label() -> None:
    assert Quarter(2026, 1).label == "2026年第1季度"


@pytest.mark.parametrize(
    ("quarter", "first", "last", "months"),
    [
        (Quarter(2026, 1), date(2026, 1, 1), date(2026, 3, 31), ((2026, 1), (2026, 2), (2026, 3))),
        (Quarter(2026, 2), date(2026, 4, 1), date(2026, 6, 30), ((2026, 4), (2026, 5), (2026, 6))),
        (Quarter(2026, 3), date(2026, 7, 1), date(2026, 9, 30), ((2026, 7), (2026, 8), (2026, 9))),
        (Quarter(2026, 4), date(2026, 10, 1), date(2026, 12, 31), ((2026, 10), (2026, 11), (2026, 12))),
    ],
)
def test_quarter_bounds_and_months(quarter: Quarter, first: date, last: date, months: tuple[tuple[int, int], ...]) -> None:
    assert quarter.first_day == first
    assert quarter.last_day == last
    assert quarter.months == months


@pytest.mark.parametrize(
    ("quarter", "published"),
    [
        (Quarter(2026, 1), date(2026, 4, 10)),
        (Quarter(2026, 2), date(2026, 7, 10)),
        (Quarter(2026, 3), date(2026, 10, 10)),
        (Quarter(2026, 4), date(2027, 1, 10)),
    ],
)
def test_publication_date_r9(quarter: Quarter, published: date) -> None:
    assert quarter.publication_date == published


def test_next_and_previous_cross_the_year() -> None:
    assert Quarter(2026, 4).next() == Quarter(2027, 1)
    assert Quarter(2027, 1).previous() == Quarter(2026, 4)
    assert Quarter(2026, 2).next() == Quarter(2026, 3)
    assert Quarter(2026, 2).previous() == Quarter(2026, 1)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)))
def test_of_contains_and_neighbours(d: date) -> None:
    quarter = Quarter.of(d)
    assert quarter.contains(d)
    assert not quarter.next().contains(d)
    assert not quarter.previous().contains(d)
    assert quarter.next().previous() == quarter
    assert quarter.previous() < quarter < quarter.next()
    assert quarter.next().first_day == quarter.last_day + timedelta(days=1)


def test_of_year() -> None:
    assert Quarter.of_year(2026) == (Quarter(2026, 1), Quarter(2026, 2), Quarter(2026, 3), Quarter(2026, 4))


def test_quarters_order_chronologically() -> None:
    assert sorted([Quarter(2027, 1), Quarter(2026, 4), Quarter(2026, 1)]) == [
        Quarter(2026, 1),
        Quarter(2026, 4),
        Quarter(2027, 1),
    ]


def test_has_ended_only_after_the_last_day() -> None:
    quarter = Quarter(2026, 1)
    assert not quarter.has_ended(date(2026, 3, 30))
    assert not quarter.has_ended(date(2026, 3, 31))
    assert quarter.has_ended(date(2026, 4, 1))


Q1 = Quarter(2026, 1)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2026, 2, 1), date(2026, 2, 28), True),  # inside
        (date(2025, 6, 1), None, True),  # open span started before
        (date(2025, 6, 1), date(2027, 1, 1), True),  # covers the whole quarter
        (date(2025, 6, 1), date(2026, 1, 1), True),  # ends on the first day (inclusive)
        (date(2025, 6, 1), date(2025, 12, 31), False),  # ends the day before
        (date(2026, 3, 31), None, True),  # starts on the last day
        (date(2026, 3, 31), date(2026, 3, 31), True),  # a single day, the last one
        (date(2026, 4, 1), None, False),  # starts the day after
        (date(2026, 4, 1), date(2026, 5, 1), False),
    ],
)
def test_overlaps(start: date, end: date | None, expected: bool) -> None:
    assert Q1.overlaps(start, end) is expected


def test_overlaps_refuses_a_span_ending_before_it_starts() -> None:
    with pytest.raises(ValueError):
        Q1.overlaps(date(2026, 2, 1), date(2026, 1, 31))


# ------------------------------------------------------------------------------------------
# Mutation-checked edges (make mutation)
# ------------------------------------------------------------------------------------------


def test_quarters_exist_from_year_1_to_9999_and_not_beyond() -> None:
    assert str(Quarter(1, 1)) == "1Q1" and Quarter(1, 1).first_day == date(1, 1, 1)
    assert Quarter(9999, 4).last_day == date(9999, 12, 31)
    for year in (0, 10000, -1):
        with pytest.raises(ValueError, match="年份应在 1 到 9999 之间"):
            Quarter(year, 1)
    for number in (0, 5):
        with pytest.raises(ValueError, match="季度应为 1 到 4"):
            Quarter(2026, number)
    assert Quarter(2026, 1).number == 1 and Quarter(2026, 4).number == 4


def test_a_quarter_is_frozen_and_hashable() -> None:
    from dataclasses import FrozenInstanceError

    quarter = Quarter(2026, 1)
    with pytest.raises(FrozenInstanceError):
        quarter.number = 2  # type: ignore[misc]
    assert hash(quarter) == hash(Quarter(2026, 1))
    assert {quarter: "Q1"}[Quarter.parse("2026Q1")] == "Q1"
    assert len({Quarter(2026, 1), Quarter(2026, 1), Quarter(2026, 2)}) == 2


def _refused(message: str):
    return pytest.raises(ValueError, match=f"^{re.escape(message)}$")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Quarter(2026, 5), "季度应为 1 到 4，收到 5"),
        (lambda: Quarter(10000, 1), "年份应在 1 到 9999 之间，收到 10000"),
        (lambda: Quarter.parse(None), '季度格式应为 2026Q1，收到 "None"'),
        (lambda: Quarter.parse(20261), '季度格式应为 2026Q1，收到 "20261"'),
        (lambda: parse_month(None), '月份格式应为 2026-11，收到 "None"'),
        (lambda: Quarter(2026, 1).overlaps(date(2026, 2, 1), date(2026, 1, 1)), "结束日期 2026-01-01 早于起始日期 2026-02-01"),
        (lambda: due_date(2026, 13), "月份应在 1 到 12 之间，收到 2026-13"),
        (lambda: month_label(2027, 0), "月份应在 1 到 12 之间，收到 2027-0"),
        (lambda: is_late(datetime(2026, 11, 30, 12, 0), 2026, 11), "提交时间必须带时区"),
    ],
)
def test_every_refusal_says_exactly_what_is_wrong(make, message: str) -> None:
    with _refused(message):
        make()


def test_a_quarter_contains_its_first_and_last_day_only() -> None:
    q1 = Quarter(2026, 1)
    assert q1.contains(date(2026, 1, 1)) and q1.contains(date(2026, 3, 31))
    assert not q1.contains(date(2025, 12, 31)) and not q1.contains(date(2026, 4, 1))


def test_lateness_is_judged_in_shanghai_whatever_the_servers_own_time_zone(monkeypatch) -> None:
    """R8: the process time zone (Django sets it from TIME_ZONE; a bare worker may run in UTC) changes nothing."""
    import time

    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        assert is_late(datetime(2026, 11, 30, 16, 0, 0, tzinfo=UTC), 2026, 11)  # midnight in Shanghai, 30 Nov in UTC
        assert not is_late(datetime(2026, 11, 30, 15, 59, 59, tzinfo=UTC), 2026, 11)
    finally:
        monkeypatch.undo()
        time.tzset()
