"""The outbox's Celery task (SPEC §7): thin — it calls notifications.delivery and may be retried."""

from __future__ import annotations

from celery import shared_task

from core.tasks import RETRY

from . import delivery


@shared_task(name="notifications.deliver_outbox", **RETRY)
def deliver_outbox_task() -> dict[str, int]:
    """Deliver the outbox: pending fan-outs, e-mails and chat posts; safe to run twice, or concurrently.

    Enqueued after each commit that wrote notifications, and by beat every minute: what a broker or mail outage held
    back goes out once both are back, and a failed row is retried when its backoff (``next_attempt_at``) is due.
    """
    return dict(delivery.outbox_deliver().__dict__)
