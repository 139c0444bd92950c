"""Sending notifications exactly once (SPEC §9): the record and the e-mail happen in one transaction."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction

from .models import Notification


def notify(*, user, kind: str, period: str, subject: str, body: str, url: str = "") -> Notification | None:
    """Record an in-app notification and e-mail it, once per (user, kind, period). Returns None if already sent.

    The row is inserted inside a savepoint; the unique constraint refuses a duplicate, so a task run twice, or by two
    beats at once, sends nothing twice. If the e-mail fails, the savepoint rolls back and a retry sends it again.
    """
    if Notification.objects.filter(recipient=user, kind=kind, period=period).exists():
        return None
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=user, kind=kind, period=period, subject=subject, body=body, url=url, emailed_to=user.email or ""
            )
            if user.email:
                link = f"{settings.SITE_URL.rstrip('/')}{url}" if url else settings.SITE_URL
                send_mail(subject, f"{body}\n\n{link}\n", settings.DEFAULT_FROM_EMAIL, [user.email])
    except IntegrityError:
        return None
    return notification
