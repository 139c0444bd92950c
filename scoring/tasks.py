"""Thin Celery tasks of the scoring app."""

from __future__ import annotations

from celery import shared_task

from .models import QuarterResult


@shared_task(name="scoring.result_notify", autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def result_notify_task(result_id: int) -> int:
    """Tell everyone assessed that a version was published or amended (SPEC §7). Safe to run twice."""
    from .services import result_notify

    return result_notify(result=QuarterResult.objects.get(pk=result_id))
