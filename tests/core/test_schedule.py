"""core.jobs with the registered jobs: which jobs are due on a date (SPEC §4, §9). Pure: no database."""

from __future__ import annotations

import calendar
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from audits.jobs import AuditJob
from core.dates import Quarter
from core.jobs import job_is_due, job_time, jobs_due, parse_slot, slots
from scoring.jobs import ScoringJob, publication_quarter_of


def days_of(year: int, month: int) -> list[dt.date]:
    return [dt.date(year, month, d) for d in range(1, calendar.monthrange(year, month)[1] + 1)]


def expected_due_day(year: int, month: int) -> int:
    """R8 Decision restated independently: the 30th; February's last day (29th in 2024 and 2028, else 28th)."""
    if month == 2:
        return 29 if year in (2024, 2028) else 28
    return 30


MONTHS_2024_2028 = [(year, month) for year in range(2024, 2029) for month in range(1, 13)]


@pytest.mark.parametrize(("year", "month"), MONTHS_2024_2028, ids=[f"{y}-{m:02d}" for y, m in MONTHS_2024_2028])
def test_reminder_dates_of_every_month_2024_to_2028(year: int, month: int) -> None:
    """SPEC §9: each month has exactly one due-date reminder (09:00) and one three days earlier; never skipped."""
    due_days = [d for d in days_of(year, month) if AuditJob.SELFCHECK_DUE in jobs_due(d)]
    soon_days = [d for d in days_of(year, month) if AuditJob.SELFCHECK_DUE_SOON in jobs_due(d)]
    digest_days = [d for d in days_of(year, month) if AuditJob.MISSING_DIGEST in jobs_due(d)]
    due = dt.date(year, month, expected_due_day(year, month))
    assert due_days == [due]
    assert soon_days == [due - dt.timedelta(days=3)]
    assert digest_days == [due]  # operations' digest of who is missing, on the due date


def test_february_reminders_fall_on_the_28th_or_29th() -> None:
    assert jobs_due(dt.date(2028, 2, 29)) == [AuditJob.SELFCHECK_DUE, AuditJob.MISSING_DIGEST]
    assert jobs_due(dt.date(2024, 2, 29)) == [AuditJob.SELFCHECK_DUE, AuditJob.MISSING_DIGEST]
    assert jobs_due(dt.date(2027, 2, 28)) == [AuditJob.SELFCHECK_DUE, AuditJob.MISSING_DIGEST]
    # In a leap year the 28th is an ordinary day; the early reminder is the 26th.
    assert jobs_due(dt.date(2028, 2, 28)) == []
    assert jobs_due(dt.date(2028, 2, 26)) == [AuditJob.SELFCHECK_DUE_SOON]
    assert jobs_due(dt.date(2027, 2, 25)) == [AuditJob.SELFCHECK_DUE_SOON]
    # A 31-day month: due on the 30th, nothing on the 31st.
    assert jobs_due(dt.date(2028, 1, 31)) == []
    assert jobs_due(dt.date(2028, 1, 27)) == [AuditJob.SELFCHECK_DUE_SOON]


def test_generation_on_the_first_at_0005_only() -> None:
    for year, month in MONTHS_2024_2028:
        days = [d for d in days_of(year, month) if AuditJob.GENERATE_CHECKLISTS in jobs_due(d)]
        assert days == [dt.date(year, month, 1)]
    assert jobs_due(dt.date(2028, 3, 1), at=dt.time(0, 5)) == [AuditJob.GENERATE_CHECKLISTS]
    assert jobs_due(dt.date(2028, 3, 1), at=dt.time(9, 0)) == []


def test_publication_reminder_on_the_tenth_after_each_quarter() -> None:
    """R9: 10 January, April, July, October at 09:00, about the quarter just ended."""
    days = [d for year, month in MONTHS_2024_2028 for d in days_of(year, month) if job_is_due(ScoringJob.PUBLICATION_DUE, d)]
    assert days == [dt.date(year, month, 10) for year in range(2024, 2029) for month in (1, 4, 7, 10)]
    assert publication_quarter_of(dt.date(2028, 1, 10)) == Quarter(2027, 4)
    assert publication_quarter_of(dt.date(2028, 4, 10)) == Quarter(2028, 1)
    assert jobs_due(dt.date(2028, 4, 10), at=dt.time(9, 0)) == [ScoringJob.PUBLICATION_DUE]
    assert job_time(ScoringJob.PUBLICATION_DUE) == dt.time(9, 0)


def test_slots_are_the_beat_wake_up_times() -> None:
    assert dt.time(0, 5) in slots()
    assert dt.time(9, 0) in slots()
    assert parse_slot("09:00") == dt.time(9, 0)
    with pytest.raises(ValueError, match="可选"):
        parse_slot("10:00")
    with pytest.raises(ValueError, match="格式"):
        parse_slot("nine")


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_the_slots_together_run_exactly_the_jobs_of_the_day(day: dt.date) -> None:
    """What beat runs over a day (one wake-up per slot) is what run_scheduled runs for that date, each job once."""
    by_slot = [job for slot in slots() for job in jobs_due(day, at=slot)]
    assert sorted(by_slot) == sorted(jobs_due(day))
    assert len(set(by_slot)) == len(by_slot)
