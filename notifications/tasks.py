"""Celery tasks of the reminders (SPEC §9): thin — they take a date, call notifications.jobs, and may be retried.

Beat wakes ``run_scheduled_task`` daily at each slot (config/celery.py); pure code in notifications.schedule decides
what is due. Every job is idempotent (the send log's unique constraint), so a retry after a transient error, a task
delivered twice (acks_late) or a second beat sends nothing twice.
"""

from __future__ import annotations

import datetime as dt
import smtplib

from celery import shared_task
from django.db import InterfaceError, OperationalError

from touchpoints.dates import local_today

from . import delivery, jobs
from .schedule import parse_slot

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


@shared_task(name="notifications.run_scheduled", **RETRY)
def run_scheduled_task(day: str | None = None, slot: str | None = None) -> dict[str, int]:
    """Run every job due on the date (default today, Asia/Shanghai) at the beat slot (e.g. "09:00", or all)."""
    results = jobs.scheduled_jobs_run(day=_day(day), at=parse_slot(slot) if slot else None)
    return {str(result.job): result.sent or result.created for result in results}


@shared_task(name="notifications.run_job", **RETRY)
def run_job_task(job: str, day: str) -> int:
    """Run one job for one date (an operator's catch-up or a test); returns notifications sent or checklists made."""
    result = jobs.job_run(job=job, day=_day(day))
    return result.sent or result.created


@shared_task(name="notifications.deliver_outbox", **RETRY)
def deliver_outbox_task() -> dict[str, int]:
    """Deliver the outbox (SPEC §7): pending fan-outs, e-mails and chat posts; safe to run twice, or concurrently.

    Enqueued after each commit that wrote notifications, and by beat every minute: what a broker or mail outage held
    back goes out once both are back, and a failed row is retried when its backoff (``next_attempt_at``) is due.
    """
    return dict(delivery.outbox_deliver().__dict__)
