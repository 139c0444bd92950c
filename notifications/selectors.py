"""Reads of the notification centre and of operations' sent log. Each returns in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

from django.db import connection
from django.db.models import Count, Q, QuerySet

from .choices import DeliveryState
from .models import ChatMessage, Notification, Webhook


def notifications_for(*, user, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's own notifications, newest first."""
    qs = Notification.objects.filter(recipient=user)
    return qs.filter(read_at__isnull=True) if unread_only else qs


@cache
def _unread_sql() -> str:
    """The unread count as SQL, written once per process from the model's own names: the badge is on every page, and
    the ORM spent about as long building `filter(...).count()` as PostgreSQL spent answering it."""
    quote = connection.ops.quote_name
    table, recipient, read_at = (
        Notification._meta.db_table,
        Notification._meta.get_field("recipient").column,
        Notification._meta.get_field("read_at").column,
    )
    # nosec B608: identifiers from the model's metadata, quoted; the one value is a parameter.
    return f"SELECT COUNT(*) FROM {quote(table)} WHERE {quote(recipient)} = %s AND {quote(read_at)} IS NULL"  # nosec B608


def unread_count(*, user) -> int:
    """How many of the user's notifications are unread (the navigation bar's badge): one query, an index probe."""
    with connection.cursor() as cursor:
        cursor.execute(_unread_sql(), [user.pk])
        return cursor.fetchone()[0]


def latest_unread(*, user, limit: int = 5) -> list[Notification]:
    """The newest unread notifications (home panel): one query."""
    return list(
        Notification.objects.filter(recipient=user, read_at__isnull=True).only(
            "id", "kind", "period", "params", "url", "created_at", "read_at"
        )[:limit]
    )


def sent_log(*, kind: str = "", period: str = "") -> QuerySet[Notification]:
    """What was sent to whom (SPEC §9), for operations: filtered by kind and period, with the recipient's name."""
    qs = Notification.objects.select_related("recipient", "recipient__person")
    if kind:
        qs = qs.filter(kind=kind)
    if period:
        qs = qs.filter(period=period)
    return qs


@dataclass(frozen=True)
class SentSummary:
    total: int
    emailed: int
    read: int
    pending: int = 0

    @property
    def read_percent(self) -> int:
        return round(100 * self.read / self.total) if self.total else 0


def sent_log_summary(*, kind: str = "", period: str = "") -> SentSummary:
    """Totals of the filtered log in one query."""
    totals = sent_log(kind=kind, period=period).aggregate(
        total=Count("id"),
        emailed=Count("id", filter=Q(email_state=DeliveryState.SENT)),
        read=Count("id", filter=Q(read_at__isnull=False)),
        pending=Count("id", filter=Q(email_state=DeliveryState.PENDING)),
    )
    return SentSummary(total=totals["total"], emailed=totals["emailed"], read=totals["read"], pending=totals["pending"])


def sent_log_periods(*, kind: str = "", limit: int = 60) -> list[str]:
    """The periods present in the log (of one kind, if given), newest first — the filter's choices: one query."""
    qs = Notification.objects.filter(kind=kind) if kind else Notification.objects.all()
    periods = qs.order_by().values_list("period", flat=True).distinct()
    return sorted(periods, reverse=True)[:limit]


@dataclass(frozen=True, slots=True)
class ChatLine:
    """One group post as the log shows it (no parameters, addressees or credentials)."""

    state: str
    kind: str
    period: str
    attempts: int
    last_error: str
    created_at: dt.datetime
    webhook_name: str
    webhook_provider: str


CHAT_LINE_FIELDS = ("state", "kind", "period", "attempts", "last_error", "created_at", "webhook__name", "webhook__provider")


def chat_log(*, kind: str = "", period: str = "", limit: int) -> list[ChatLine]:
    """The newest `limit` group posts and their results (SPEC §15), with their robot's name and platform. One query,
    read as plain values: the 50 model instances (and their robots) cost three times the query."""
    qs = ChatMessage.objects.order_by("-created_at", "-id")
    if kind:
        qs = qs.filter(kind=kind)
    if period:
        qs = qs.filter(period=period)
    return [ChatLine(*row) for row in qs.values_list(*CHAT_LINE_FIELDS)[:limit]]


@dataclass(frozen=True, slots=True)
class WebhookLine:
    """A registered robot as operations' list shows it (never its token or secret)."""

    pk: int
    name: str
    active: bool
    provider: str
    scope: str
    project_name: str | None
    function: str
    language: str


def webhooks_all() -> list[WebhookLine]:
    """Every registered robot, by scope and name. One query, read as plain values (without the credentials)."""
    rows = Webhook.objects.order_by("scope", "name", "pk").values_list(
        "pk", "name", "active", "provider", "scope", "project__name", "function", "language"
    )
    return [WebhookLine(*row) for row in rows]
