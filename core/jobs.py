"""The periodic-job registry and its one dispatcher (SPEC §9).

Celery beat only wakes the product up: one entry every day at each slot below (Asia/Shanghai, config/celery.py), and
each wake-up calls `scheduled_jobs_run`. Which jobs run is decided by the jobs themselves: every app registers its
jobs from its AppConfig.ready (`register_job`), each with the slot it runs at and a pure rule saying on which dates it
is due. No job ever uses a ``crontab(day_of_month=30)``, which would never fire in February (R8 decision).

``python manage.py run_scheduled --date …`` asks the same registry for a whole day, so an operator can catch up after
downtime with exactly the code beat runs. Every job must be idempotent (a unique constraint guarantees it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

# The wall-clock times (Asia/Shanghai) beat wakes up at: one beat entry each.
GENERATION_TIME = dt.time(0, 5)  # what must exist before people start work (the month's checklists)
REMINDER_TIME = dt.time(9, 0)  # what people are told during the working day


@dataclass(frozen=True)
class JobResult:
    """What one job did on one date: notifications sent, rows created, and a line for the operator."""

    job: str
    day: dt.date
    sent: int = 0
    created: int = 0
    note: str = ""


@dataclass(frozen=True)
class PeriodicJob:
    """A job an app runs on the dates its rule says, at one of the beat slots."""

    name: str  # stable: it appears in task arguments and on the command line
    at: dt.time
    is_due: Callable[[dt.date], bool]
    run: Callable[..., JobResult]  # run(*, day) -> JobResult


_jobs: dict[str, PeriodicJob] = {}


def register_job(job: PeriodicJob) -> None:
    """Add an app's job (from its AppConfig.ready); the order of registration is the order jobs run in on a day."""
    if job.at not in (GENERATION_TIME, REMINDER_TIME):
        raise ValueError(f"job {job.name}: no beat slot at {job.at}")
    _jobs[job.name] = job


def registered_jobs() -> list[PeriodicJob]:
    return list(_jobs.values())


def job_names() -> list[str]:
    return list(_jobs)


def job_time(name: str) -> dt.time:
    return _job(name).at


def slots() -> tuple[dt.time, ...]:
    """The distinct times beat wakes up at, earliest first."""
    return tuple(sorted({GENERATION_TIME, REMINDER_TIME}))


def _job(name: str) -> PeriodicJob:
    try:
        return _jobs[str(name)]
    except KeyError:
        raise ValueError(f"unknown job {name!r}") from None


def job_is_due(name: str, day: dt.date) -> bool:
    """Whether the job runs on ``day`` (any time of that day)."""
    return _job(name).is_due(day)


def jobs_due(day: dt.date, *, at: dt.time | None = None) -> list[str]:
    """The jobs due on ``day``, in a stable order; with ``at``, only those beat runs at that time of day."""
    return [job.name for job in _jobs.values() if job.is_due(day) and (at is None or job.at == at)]


def job_run(*, job: str, day: dt.date) -> JobResult:
    """Run one job for a date. Refuses a job that is not due that day (a wrong-day reminder would mislead)."""
    periodic = _job(job)
    if not periodic.is_due(day):
        raise ValueError(_("任务 {job} 不在 {day} 运行").format(job=periodic.name, day=day.isoformat()))
    return periodic.run(day=day)


def scheduled_jobs_run(*, day: dt.date, at: dt.time | None = None, only: Iterable[str] = ()) -> list[JobResult]:
    """Every job due on the date (with ``at``, those of that beat slot; with ``only``, just those), in order.

    This is what beat runs each morning and what ``run_scheduled --date`` runs to catch up.
    """
    wanted = {str(name) for name in only}
    for name in wanted:
        _job(name)
    return [job_run(job=name, day=day) for name in jobs_due(day, at=at) if not wanted or name in wanted]


# Run after the jobs by every `run_scheduled`, whatever is due (the notification outbox registers its delivery here,
# SPEC §7: a catch-up run delivers whatever is still pending). Each takes the day and returns a JobResult.
_catch_ups: list[Callable[..., JobResult]] = []


def register_catch_up(run: Callable[..., JobResult]) -> None:
    if run not in _catch_ups:
        _catch_ups.append(run)


def catch_ups_run(*, day: dt.date) -> list[JobResult]:
    return [run(day=day) for run in _catch_ups]


def parse_slot(text: str) -> dt.time:
    """Read a beat slot such as ``09:00``; refuse a time no job runs at."""
    try:
        slot = dt.time.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f'时间格式应为 09:00，收到 "{text}"') from None
    if slot not in slots():
        raise ValueError(f"没有任务在 {text} 运行；可选：{'、'.join(s.strftime('%H:%M') for s in slots())}")
    return slot
