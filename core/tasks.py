"""The periodic-job dispatcher as Celery tasks (SPEC §9): thin — they take a date, call core.jobs, and may be retried.

Beat wakes ``run_scheduled_task`` daily at each slot (config/celery.py); the jobs each app registered decide
what is due. Every job is idempotent (the send log's unique constraint), so a retry after a transient error, a task
delivered twice (acks_late) or a second beat sends nothing twice.
"""

from __future__ import annotations

import datetime as dt
import smtplib

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import jobs
from .dates import local_today

# Errors worth another try: the mail server or the database briefly unreachable.
TRANSIENT_ERRORS = (smtplib.SMTPException, ConnectionError, TimeoutError, OperationalError, InterfaceError)
RETRY = {
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 30,
    "retry_backoff_max": 15 * 60,
    "retry_jitter": True,
    "max_retries": 6,
}


def _day(day: str | None) -> dt.date:
    """The date a task is about: given explicitly, or today in Shanghai when beat sent it without one."""
    return dt.date.fromisoformat(day) if day else local_today()


@shared_task(name="core.run_scheduled", **RETRY)
def run_scheduled_task(day: str | None = None, slot: str | None = None) -> dict[str, int]:
    """Run every job due on the date (default today, Asia/Shanghai) at the beat slot (e.g. "09:00", or all)."""
    results = jobs.scheduled_jobs_run(day=_day(day), at=jobs.parse_slot(slot) if slot else None)
    return {str(result.job): result.sent or result.created for result in results}


@shared_task(name="core.run_job", **RETRY)
def run_job_task(job: str, day: str) -> int:
    """Run one job for one date (an operator's catch-up or a test); returns notifications sent or checklists made."""
    result = jobs.job_run(job=job, day=_day(day))
    return result.sent or result.created
