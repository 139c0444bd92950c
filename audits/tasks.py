"""Celery tasks of the audits app: thin wrappers that call services (STYLE: tasks are thin and safe to run twice)."""

from __future__ import annotations

from celery import shared_task

from audits.selfchecks.services import checklists_generate
from core import dates


@shared_task(name="audits.generate_checklists")
def generate_checklists_task(year: int | None = None, month: int | None = None) -> int:
    """Generate the month's missing checklists (default: the current month in Asia/Shanghai). Safe to run twice."""
    if year is None or month is None:
        today = dates.local_today()
        year, month = today.year, today.month
    return checklists_generate(year=year, month=month)
