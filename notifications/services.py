"""Sending notifications exactly once (SPEC §9): the record and the e-mail happen in one transaction.

Writes of this app: ``notify`` (send one notification) and the read markers of the in-app centre.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .choices import NotificationKind
from .models import Notification

logger = logging.getLogger(__name__)


def absolute_url(url: str) -> str:
    """The link an e-mail carries: SITE_URL plus the page to act on (the site's root when there is none)."""
    base = settings.SITE_URL.rstrip("/")
    if not url:
        return base + "/"
    if url.startswith(("http://", "https://")):
        return url
    return base + (url if url.startswith("/") else "/" + url)


def _person_of(user):
    try:
        return user.person
    except ObjectDoesNotExist:  # a user with no person record (admin, service accounts)
        return None


def display_name(user) -> str:
    """The person's name when the user is linked to one, else the login name."""
    person = _person_of(user)
    return person.name if person is not None else user.get_username()


def recipient_email(user) -> str:
    """Where a user's e-mail goes: the person's address (kept by the organisation import), else the account's."""
    person = _person_of(user)
    return (person.email if person is not None and person.email else user.email) or ""


def email_message(*, notification: Notification, user) -> EmailMultiAlternatives:
    """The Chinese e-mail of a notification: plain text with an HTML alternative, both with the link to act on."""
    context = {
        "name": display_name(user),
        "subject": notification.subject,
        "body": notification.body,
        "link": absolute_url(notification.url),
        "kind_label": NotificationKind(notification.kind).label if notification.kind in NotificationKind.values else "",
        "site_url": absolute_url(""),
    }
    text = render_to_string("emails/notification.txt", context)
    html = render_to_string("emails/notification.html", context)
    # A header line must not carry a line break.
    subject = " ".join(notification.subject.split())
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [notification.emailed_to])
    message.attach_alternative(html, "text/html")
    return message


def notify(*, user, kind: str, period: str, subject: str, body: str, url: str = "") -> Notification | None:
    """Record an in-app notification and e-mail it, once per (user, kind, period). Returns None if already sent.

    SPEC §9 — exactly once: the row is inserted inside a savepoint and the e-mail is sent before the savepoint is
    released, so the send log and the send are one unit. The unique constraint (recipient, kind, period) refuses a
    duplicate — also one inserted concurrently by a second worker or a second beat, which then blocks until the
    first commits and gets an IntegrityError: nothing is sent twice. If the e-mail fails, the savepoint rolls back
    and the error propagates, so a retry sends it again.

    Call it outside a long transaction (the scheduled jobs do): each notification then commits on its own.
    """
    if Notification.objects.filter(recipient=user, kind=kind, period=period).exists():
        return None
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=user,
                kind=kind,
                period=period,
                subject=subject,
                body=body,
                url=url,
                emailed_to=recipient_email(user),
            )
            if notification.emailed_to:
                email_message(notification=notification, user=user).send()
    except IntegrityError:
        logger.info("notification %s/%s for user %s already sent", kind, period, user.pk)
        return None
    return notification


@dataclass(frozen=True)
class Outgoing:
    """One notification to send with `notify_many`."""

    user: Any
    kind: str
    period: str
    subject: str
    body: str
    url: str = ""


def notify_many(messages: Iterable[Outgoing]) -> list[Notification]:
    """Send many notifications, each at most once, in a fixed number of queries and over one mail connection.

    Same contract as `notify` (SPEC §9): the rows and the e-mails are one transaction — one lookup of what was already
    sent, one bulk insert, then every e-mail; if a send fails, nothing is recorded and a retry sends them all again.
    If another worker inserted one of them meanwhile, the unique constraint refuses the batch and each message falls
    back to `notify`, which skips what was sent. Give users with `person` already loaded (select_related).
    """
    pending = list(messages)
    if not pending:
        return []
    sent = set(
        Notification.objects.filter(recipient__in={m.user.pk for m in pending}, kind__in={m.kind for m in pending})
        .filter(period__in={m.period for m in pending})
        .values_list("recipient_id", "kind", "period")
    )
    fresh: dict[tuple[int, str, str], Outgoing] = {}
    for message in pending:
        key = (message.user.pk, message.kind, message.period)
        if key not in sent:
            fresh.setdefault(key, message)
    rows = [
        Notification(
            recipient=m.user,
            kind=m.kind,
            period=m.period,
            subject=m.subject,
            body=m.body,
            url=m.url,
            emailed_to=recipient_email(m.user),
        )
        for m in fresh.values()
    ]
    try:
        with transaction.atomic():
            created = Notification.objects.bulk_create(rows)
            emails = [email_message(notification=n, user=n.recipient) for n in created if n.emailed_to]
            if emails:
                with get_connection() as connection:
                    connection.send_messages(emails)
    except IntegrityError:
        logger.info("a concurrent send overlapped a batch of %d notifications; sending one by one", len(rows))
        return [n for m in fresh.values() if (n := notify(**m.__dict__)) is not None]
    return created


def notification_mark_read(*, notification: Notification) -> Notification:
    """Mark one notification read (idempotent: the first read time is kept)."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user) -> int:
    """Mark every unread notification of the user read; returns how many changed."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
