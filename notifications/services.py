"""Writes of the notifications app: the outbox (SPEC §7, §9, §15).

The stable API other apps call — inside their own transaction, so a notification exists exactly when the action
that caused it committed, and nothing is sent before that:

    notify_later(*, user, kind, period, params=None, url="") -> Notification | None
        One notification to one user, once per (user, kind, period). The in-app row is written now, its e-mail
        pending; it (and the chat posts of chat kinds) are delivered by the worker after commit.
    notify_many_later(*, kind, period, url="", recipients: Mapping[user id, params]) -> Dispatch | None
        Many users at once (a publication's 3,000): one row now, expanded by the worker — a fixed number of queries.

``kind`` is a registered kind (notifications.kinds), ``params`` plain JSON data the kind's renderer reads. Neither
function sends anything, renders anything or talks to the broker inside the caller's transaction; after commit they
ask the worker to deliver (``outbox_kick``), and if the broker is down the rows simply wait for the next run of the
worker's periodic delivery or of ``run_scheduled``.

Also here: webhook registration (operations) and the read markers of the in-app centre.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, transaction
from django.utils import timezone

from .choices import DeliveryState, NotificationKind, WebhookScope
from .kinds import posts_to_chat
from .models import ChatMessage, Dispatch, Notification, Preference, Webhook

logger = logging.getLogger(__name__)

MAX_ADDRESSEES = 10  # names listed in a group post; the rest are counted


def absolute_url(url: str) -> str:
    """The link an e-mail or chat post carries: SITE_URL plus the page to act on (the site's root when there is none)."""
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


def languages_of(user_ids: Iterable[int]) -> dict[int, str]:
    """Each user's language for e-mails (one query); users without a preference get the product's default."""
    ids = set(user_ids)
    chosen = dict(Preference.objects.filter(user_id__in=ids).values_list("user_id", "language")) if ids else {}
    return {pk: chosen.get(pk, settings.LANGUAGE_CODE) for pk in ids}


def language_set(*, user, language: str) -> Preference:
    """Choose the language of the user's e-mails (SPEC §1)."""
    if language not in dict(settings.LANGUAGES):
        raise ValueError(language)
    preference, _created = Preference.objects.update_or_create(user=user, defaults={"language": language})
    return preference


# -- the outbox -----------------------------------------------------------------------------------------------------


def _enqueue_delivery() -> None:
    from .tasks import deliver_outbox_task

    try:
        # retry=False: a stopped broker answers at once instead of holding the request for publish retries.
        deliver_outbox_task.apply_async(retry=False)
    except Exception:  # the broker is down or misconfigured; the outbox keeps the rows
        logger.warning("could not enqueue the outbox delivery; the rows stay pending", exc_info=True)


def outbox_kick() -> None:
    """Ask the worker to deliver the outbox once the current transaction commits (immediately outside one).

    Once per transaction, however many rows it wrote. Never raises: with the broker down the action that wrote the
    rows still succeeds, and the rows wait for the worker's periodic delivery or ``run_scheduled`` (SPEC §7: delayed,
    never lost).
    """
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(entry[1] is _enqueue_delivery for entry in connection.run_on_commit):
        return
    transaction.on_commit(_enqueue_delivery)


def notify_later(*, user, kind: str, period: str, params: dict[str, Any] | None = None, url: str = "") -> Notification | None:
    """Write one notification (in-app now, e-mail and chat after commit), once per (user, kind, period).

    Returns None if it was already sent. Safe inside the caller's transaction: the insert runs in a savepoint, so a
    duplicate (also one inserted concurrently, which the unique constraint refuses) leaves the caller's work intact.
    """
    if Notification.objects.filter(recipient=user, kind=kind, period=period).exists():
        return None
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                recipient=user, kind=str(kind), period=period, params=params or {}, url=url
            )
    except IntegrityError:
        logger.info("notification %s/%s for user %s already sent", kind, period, user.pk)
        return None
    if posts_to_chat(str(kind)):
        chat_messages_create(notifications=[notification])
    outbox_kick()
    return notification


def notify_many_later(*, kind: str, period: str, recipients: Mapping[int, dict[str, Any]], url: str = "") -> Dispatch | None:
    """Write one pending fan-out of ``kind``/``period`` to many users (their ids → their params): one query.

    The worker turns it into one notification per user after commit (``dispatch_expand``); anyone already notified
    for (kind, period) is skipped there by the unique constraint.
    """
    if not recipients:
        return None
    dispatch = Dispatch.objects.create(
        kind=str(kind), period=period, url=url, recipients={str(pk): params for pk, params in recipients.items()}
    )
    outbox_kick()
    return dispatch


def dispatch_expand(*, dispatch: Dispatch) -> int:
    """Turn a pending fan-out into its notifications (and chat posts), exactly once; returns how many were created.

    Runs in one transaction with the dispatch row locked (skip_locked: a second worker passes over it), so the
    notifications and the dispatch's ``done`` commit together.
    """
    with transaction.atomic():
        locked = Dispatch.objects.select_for_update(skip_locked=True).filter(pk=dispatch.pk, state="pending").first()
        if locked is None:
            return 0
        User = get_user_model()
        wanted = {int(pk) for pk in locked.recipients}
        active = set(User.objects.filter(pk__in=wanted, is_active=True).values_list("pk", flat=True))
        already = set(
            Notification.objects.filter(kind=locked.kind, period=locked.period, recipient_id__in=active).values_list(
                "recipient_id", flat=True
            )
        )
        rows = [
            Notification(recipient_id=int(pk), kind=locked.kind, period=locked.period, params=params, url=locked.url)
            for pk, params in locked.recipients.items()
            if int(pk) in active and int(pk) not in already
        ]
        Notification.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
        if posts_to_chat(locked.kind) and rows:
            # The rows just inserted (ignore_conflicts returns no ids; the chat queue needs only recipient and params).
            chat_messages_create(notifications=rows)
        locked.state = "done"
        locked.done_at = timezone.now()
        locked.save(update_fields=["state", "done_at"])
    return len(rows)


# -- chat (SPEC §15) ------------------------------------------------------------------------------------------------


def units_of_users(user_ids: Iterable[int], *, on: dt.date) -> dict[int, set[tuple[str, Any]]]:
    """Each user's units on a date: ("project", project id) or ("function", code), from their assignments (one query).

    SPEC §3: a functional manager or director belongs to the project unit; a function head to the function unit.
    """
    from touchpoints.models import Assignment

    units: dict[int, set[tuple[str, Any]]] = defaultdict(set)
    ids = set(user_ids)
    if not ids:
        return {}
    for user_id, project_id, function in (
        Assignment.objects.current(on).filter(person__user_id__in=ids).values_list("person__user_id", "project_id", "function")
    ):
        units[user_id].add(("project", project_id) if project_id is not None else ("function", function))
    return dict(units)


def chat_messages_create(*, notifications: list[Notification]) -> int:
    """Queue the group posts of these notifications: one per (webhook, kind, period) of the recipients' units.

    A company robot hears everything; a project or function robot hears what reaches the people of its unit. The
    unique constraint makes a second queueing of the same (webhook, kind, period) a no-op. Fixed queries.
    """
    if not notifications:
        return 0
    webhooks = list(Webhook.objects.filter(active=True))
    if not webhooks:
        return 0
    from core.dates import local_today

    user_ids = {n.recipient_id for n in notifications}
    units = units_of_users(user_ids, on=local_today())
    User = get_user_model()
    names = {user.pk: display_name(user) for user in User.objects.filter(pk__in=user_ids).select_related("person")}
    posts: dict[tuple[int, str, str], ChatMessage] = {}
    for notification in notifications:
        mine = units.get(notification.recipient_id, set())
        for webhook in webhooks:
            if webhook.scope == WebhookScope.PROJECT and ("project", webhook.project_id) not in mine:
                continue
            if webhook.scope == WebhookScope.FUNCTION and ("function", webhook.function) not in mine:
                continue
            key = (webhook.pk, notification.kind, notification.period)
            post = posts.get(key)
            if post is None:
                post = posts[key] = ChatMessage(
                    webhook=webhook,
                    kind=notification.kind,
                    period=notification.period,
                    params=notification.params,
                    url=notification.url,
                    addressees=[],
                )
            post.addressees.append(names.get(notification.recipient_id, ""))
    # A post still waiting for the worker takes the new names (one reminder per lead, one group post for them all);
    # one already sent stays as it was: once per (webhook, kind, period).
    existing = {
        (post.webhook_id, post.kind, post.period): post
        for post in ChatMessage.objects.filter(
            webhook_id__in={key[0] for key in posts},
            kind__in={key[1] for key in posts},
            period__in={key[2] for key in posts},
        )
    }
    grown = []
    for key, post in list(posts.items()):
        if key in existing:
            old = existing[key]
            del posts[key]
            if old.state == DeliveryState.PENDING and old.attempts == 0:
                old.addressees = [*old.addressees, *(n for n in post.addressees if n not in old.addressees)]
                grown.append(old)
    if grown:
        ChatMessage.objects.bulk_update(grown, ["addressees"])
    ChatMessage.objects.bulk_create(posts.values(), ignore_conflicts=True)
    return len(posts)


def webhook_register(*, user, **fields) -> Webhook:
    """Register a group robot (operations, SPEC §15). The form has validated the fields."""
    return Webhook.objects.create(created_by=user, **fields)


def webhook_set_active(*, webhook: Webhook, active: bool) -> Webhook:
    webhook.active = active
    webhook.save(update_fields=["active"])
    return webhook


def webhook_test_send(*, webhook: Webhook, user) -> ChatMessage:
    """Queue a sample post to one robot (the page's test button); the worker sends it, its result shows in the log."""
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    post = ChatMessage.objects.create(
        webhook=webhook,
        kind=NotificationKind.WEBHOOK_TEST,
        period=f"test-{stamp}"[:40],
        params={"name": webhook.name},
        addressees=[display_name(user)],
        url="",
    )
    outbox_kick()
    return post


# -- the in-app centre ----------------------------------------------------------------------------------------------


def notification_mark_read(*, notification: Notification) -> Notification:
    """Mark one notification read (idempotent: the first read time is kept)."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user) -> int:
    """Mark every unread notification of the user read; returns how many changed."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
