"""The worker's side of the outbox (SPEC §7, §9, §15): expand fan-outs, send pending e-mails, post pending chat messages.

Exactly once: each pending row is claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` inside a transaction that also
records its new state, so two workers (or a worker and ``run_scheduled``) never take the same row; a row is marked
sent in the transaction that sent it. (Only a crash between the mail server's acceptance and the commit could
repeat one e-mail; nothing is ever dropped.)

Failures delay, never lose: an e-mail that cannot be sent stays pending with an exponential backoff capped at
NOTIFICATIONS_RETRY_MAX_SECONDS, however long the mail server is down (only a recipient the server refuses is marked
failed). A chat post is retried the same way NOTIFICATIONS_CHAT_MAX_ATTEMPTS times, then marked failed with the
error; the e-mail of the same notification is independent of it.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .chat import ChatError, robot_post
from .choices import DeliveryState, DispatchState, NotificationKind
from .kinds import kind_label, render
from .models import ChatMessage, Dispatch, Notification
from .services import MAX_ADDRESSEES, absolute_url, dispatch_expand, display_name, languages_of, recipient_email

logger = logging.getLogger(__name__)

BATCH = 200


@dataclass
class DeliveryReport:
    """What one delivery run did."""

    notified: int = 0  # notifications created from fan-outs
    emailed: int = 0
    email_failed: int = 0
    email_waiting: int = 0  # still pending after this run (will be retried)
    posted: int = 0
    post_failed: int = 0
    post_waiting: int = 0


def backoff(attempts: int) -> dt.timedelta:
    """Exponential: base, 2×base, 4×base … capped (attempts counts the failures so far, ≥ 1)."""
    seconds = settings.NOTIFICATIONS_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return dt.timedelta(seconds=min(seconds, settings.NOTIFICATIONS_RETRY_MAX_SECONDS))


def email_message(*, notification: Notification, user, address: str, language: str) -> EmailMultiAlternatives:
    """A notification's e-mail in the recipient's language: plain text with an HTML alternative, both with the link."""
    with translation.override(language):
        rendered = render(notification.kind, notification.params)
        context = {
            "name": display_name(user),
            "subject": rendered.subject,
            "body": rendered.body,
            "link": absolute_url(notification.url),
            "kind_label": kind_label(notification.kind),
            "site_url": absolute_url(""),
            "language": language,
        }
        text = render_to_string("emails/notification.txt", context)
        html = render_to_string("emails/notification.html", context)
    subject = " ".join(rendered.subject.split())  # a header line must not carry a line break
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [address])
    message.attach_alternative(html, "text/html")
    return message


def _save_states(model, rows: list, fields: list[str]) -> None:
    """Write each row's delivery fields in one executemany (bulk_update's CASE … WHEN costs ~8 ms a row on SQLite)."""
    if not rows:
        return
    opts = model._meta
    columns = [opts.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    # nosec B608: identifiers come from the model's own metadata, quoted; every value is a bound parameter.
    sql = "UPDATE {table} SET {assignments} WHERE {pk} = %s".format(  # nosec B608
        table=quote(opts.db_table),
        assignments=", ".join(f"{quote(column.column)} = %s" for column in columns),
        pk=quote(opts.pk.column),
    )
    values = [
        [column.get_db_prep_save(getattr(row, column.attname), connection) for column in columns] + [row.pk] for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)


def _due(now: dt.datetime, force: bool) -> Q:
    return Q() if force else Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)


def _fail(row, *, now: dt.datetime, error: str, limit: int | None) -> None:
    row.attempts += 1
    row.last_error = error[:1000]
    if limit is not None and row.attempts >= limit:
        setattr(row, "state" if isinstance(row, ChatMessage) else "email_state", DeliveryState.FAILED)
        row.next_attempt_at = None
    else:
        row.next_attempt_at = now + backoff(row.attempts)


EMAIL_FIELDS = ["email_state", "emailed_to", "emailed_at", "attempts", "next_attempt_at", "last_error"]


def _email_batch(*, after: int, now: dt.datetime, force: bool, report: DeliveryReport) -> int | None:
    """Claim, send and record one batch of pending e-mails; returns the last id handled (None when there was none)."""
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(_due(now, force), email_state=DeliveryState.PENDING, pk__gt=after)
            .select_related("recipient", "recipient__person")
            .order_by("pk")[:BATCH]
        )
        if not rows:
            return None
        languages = languages_of(row.recipient_id for row in rows)
        outgoing = []
        for row in rows:
            address = recipient_email(row.recipient)
            if not address:
                row.email_state = DeliveryState.SKIPPED
                continue
            row.emailed_to = address
            outgoing.append(
                (row, email_message(notification=row, user=row.recipient, address=address, language=languages[row.recipient_id]))
            )
        connection = get_connection()
        try:
            if outgoing:
                connection.open()
        except Exception as exc:  # the mail server is down: every row waits for the next attempt
            for row, _message in outgoing:
                _fail(row, now=now, error=f"{exc.__class__.__name__}: {exc}", limit=None)
            outgoing = []
        try:
            for row, message in outgoing:
                try:
                    connection.send_messages([message])
                except smtplib.SMTPRecipientsRefused as exc:  # the address itself is refused: retrying cannot help
                    row.attempts += 1
                    row.email_state = DeliveryState.FAILED
                    row.last_error = str(exc)[:1000]
                except Exception as exc:
                    _fail(row, now=now, error=f"{exc.__class__.__name__}: {exc}", limit=None)
                else:
                    row.email_state = DeliveryState.SENT
                    row.emailed_at = timezone.now()
                    row.next_attempt_at = None
                    row.last_error = ""
        finally:
            try:
                connection.close()
            except Exception:  # closing a broken connection must not undo what was recorded
                logger.debug("mail connection close failed", exc_info=True)
        _save_states(Notification, rows, EMAIL_FIELDS)
    for row in rows:
        report.emailed += row.email_state == DeliveryState.SENT
        report.email_failed += row.email_state == DeliveryState.FAILED
    return rows[-1].pk


def chat_markdown(post: ChatMessage) -> tuple[str, str]:
    """The title and markdown text of a group post, in the robot's language."""
    with translation.override(post.webhook.language):
        rendered = render(post.kind, post.params)
        parts = [f"### {rendered.subject}"]
        if post.kind == NotificationKind.WEBHOOK_TEST:
            parts.append(rendered.body)
        names = [name for name in post.addressees if name]
        if names:
            shown = "、".join(names[:MAX_ADDRESSEES])
            if len(names) > MAX_ADDRESSEES:
                shown = _("{names} 等 {n} 人").format(names=shown, n=len(names))
            parts.append(_("相关人员:{names}").format(names=shown))
        parts.append(f"[{_('打开客户触点考核')}]({absolute_url(post.url)})")
        return rendered.subject, "\n\n".join(parts)


CHAT_FIELDS = ["state", "attempts", "next_attempt_at", "last_error", "sent_at"]


def _chat_batch(*, after: int, now: dt.datetime, force: bool, report: DeliveryReport) -> int | None:
    with transaction.atomic():
        rows = list(
            ChatMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(_due(now, force), state=DeliveryState.PENDING, pk__gt=after)
            .select_related("webhook")
            .order_by("pk")[:BATCH]
        )
        if not rows:
            return None
        for row in rows:
            if not row.webhook.active:
                row.state = DeliveryState.FAILED
                row.last_error = _("群机器人已停用")
                continue
            title, text = chat_markdown(row)
            try:
                robot_post(row.webhook, title=title, text=text)
            except ChatError as exc:
                _fail(row, now=now, error=str(exc), limit=settings.NOTIFICATIONS_CHAT_MAX_ATTEMPTS)
            else:
                row.state = DeliveryState.SENT
                row.attempts += 1
                row.sent_at = timezone.now()
                row.next_attempt_at = None
                row.last_error = ""
        _save_states(ChatMessage, rows, CHAT_FIELDS)
    for row in rows:
        report.posted += row.state == DeliveryState.SENT
        report.post_failed += row.state == DeliveryState.FAILED
    return rows[-1].pk


def outbox_deliver(*, force: bool = False) -> DeliveryReport:
    """Deliver everything pending and due: fan-outs first, then e-mails, then chat posts.

    ``force`` ignores the backoff (``run_scheduled``: an operator catching up tries everything now). Each row is
    tried at most once per run.
    """
    report = DeliveryReport()
    now = timezone.now()
    for dispatch in Dispatch.objects.filter(state=DispatchState.PENDING).only("pk").order_by("pk"):
        report.notified += dispatch_expand(dispatch=dispatch)
    after = 0
    while (after := _email_batch(after=after, now=now, force=force, report=report)) is not None:
        pass
    after = 0
    while (after := _chat_batch(after=after, now=now, force=force, report=report)) is not None:
        pass
    report.email_waiting = Notification.objects.filter(email_state=DeliveryState.PENDING).count()
    report.post_waiting = ChatMessage.objects.filter(state=DeliveryState.PENDING).count()
    return report


def outbox_job(*, day: dt.date):
    """The outbox as a periodic job (core.jobs): ``run_scheduled`` delivers whatever is still pending, backoff ignored."""
    from core.jobs import JobResult

    report = outbox_deliver(force=True)
    note = _("新建通知 {notified} 条,邮件 {emailed} 封(待重试 {waiting}),群消息 {posted} 条(待重试 {posts})").format(
        notified=report.notified,
        emailed=report.emailed,
        waiting=report.email_waiting,
        posted=report.posted,
        posts=report.post_waiting,
    )
    return JobResult("deliver_outbox", day, sent=report.emailed, note=note)
