"""Which scheduled jobs are due on a date (SPEC §4, §9) — pure calendar rules, no Django, no database.

Celery beat only wakes the product up: one entry every day at 00:05 and one every day at 09:00 (Asia/Shanghai,
see config/celery.py). This module decides what each wake-up does. Beat never uses a ``crontab(day_of_month=30)``,
which would never fire in February; the due date comes from ``touchpoints.dates.due_date`` instead, so February's
reminder goes out on the 28th or the 29th (R8 Decision).

``python manage.py run_scheduled --date …`` asks the same question for a whole day, so an operator can catch up after
downtime with exactly the code the beat runs.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from touchpoints.dates import Quarter, due_date, reminder_dates

__all__ = [
    "JOB_TIMES",
    "SLOTS",
    "JobName",
    "job_is_due",
    "jobs_due",
    "month_of",
    "parse_slot",
    "publication_quarter_of",
    "signoff_month_of",
]


class JobName(StrEnum):
    """The scheduled jobs. Values are stable: they appear in task arguments and on the command line."""

    GENERATE_CHECKLISTS = "generate_checklists"  # the month's self-checks, on the 1st (SPEC §3)
    SELFCHECK_DUE_SOON = "selfcheck_due_soon"  # SPEC §9: three days before the due date, 09:00
    SELFCHECK_DUE = "selfcheck_due"  # SPEC §9 / R8: on the due date, 09:00
    MISSING_DIGEST = "missing_digest"  # SPEC §9: operations' digest of who is missing, on the due date
    PUBLICATION_DUE = "publication_due"  # SPEC §9 / R9: 10 Jan/Apr/Jul/Oct, 09:00
    SIGNOFF_DUE = "signoff_due"  # R5a: the 5th, last month's unconfirmed self-checks to directors and operations


# The wall-clock time (Asia/Shanghai) each job runs at when beat drives it.
GENERATION_TIME = dt.time(0, 5)
REMINDER_TIME = dt.time(9, 0)
JOB_TIMES: dict[JobName, dt.time] = {
    JobName.GENERATE_CHECKLISTS: GENERATION_TIME,
    JobName.SELFCHECK_DUE_SOON: REMINDER_TIME,
    JobName.SELFCHECK_DUE: REMINDER_TIME,
    JobName.MISSING_DIGEST: REMINDER_TIME,
    JobName.PUBLICATION_DUE: REMINDER_TIME,
    JobName.SIGNOFF_DUE: REMINDER_TIME,
}
# The distinct times beat wakes up at, earliest first: one beat entry each.
SLOTS: tuple[dt.time, ...] = tuple(sorted(set(JOB_TIMES.values())))


# R5a: self-checks not confirmed by the 5th of the next month are listed to the director and to operations.
SIGNOFF_DAY = 5


def signoff_month_of(day: dt.date) -> tuple[int, int]:
    """The month whose sign-off is due on a day: the month before it (R5a)."""
    return (day.year - 1, 12) if day.month == 1 else (day.year, day.month - 1)


def month_of(day: dt.date) -> tuple[int, int]:
    """The self-check month a date's reminders are about: its own month (the early reminder is on the 25th–27th)."""
    return day.year, day.month


def publication_quarter_of(day: dt.date) -> Quarter:
    """R9: the quarter whose results are due on a publication day — the one before the day's quarter."""
    return Quarter.of(day).previous()


def job_is_due(job: JobName, day: dt.date) -> bool:
    """Whether ``job`` runs on ``day`` (any time of that day)."""
    year, month = month_of(day)
    if job is JobName.GENERATE_CHECKLISTS:
        return day.day == 1
    if job is JobName.SELFCHECK_DUE_SOON:
        return day == reminder_dates(year, month)[0]
    if job in (JobName.SELFCHECK_DUE, JobName.MISSING_DIGEST):
        # R8 Decision: the 30th, or the last day of a month without one.
        return day == due_date(year, month)
    if job is JobName.PUBLICATION_DUE:
        return day == publication_quarter_of(day).publication_date
    if job is JobName.SIGNOFF_DUE:
        return day.day == SIGNOFF_DAY
    raise ValueError(f"unknown job {job!r}")


def jobs_due(day: dt.date, *, at: dt.time | None = None) -> list[JobName]:
    """The jobs due on ``day``, in a stable order; with ``at``, only those beat runs at that time of day."""
    return [job for job in JobName if job_is_due(job, day) and (at is None or JOB_TIMES[job] == at)]


def parse_slot(text: str) -> dt.time:
    """Read a beat slot such as ``09:00``; refuse a time no job runs at."""
    try:
        slot = dt.time.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f'时间格式应为 09:00，收到 "{text}"') from None
    if slot not in SLOTS:
        raise ValueError(f"没有任务在 {text} 运行；可选：{'、'.join(s.strftime('%H:%M') for s in SLOTS)}")
    return slot
