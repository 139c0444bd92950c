"""notify_later() and the outbox: recorded once per (recipient, kind, period), e-mailed once by the worker, in the
recipient's language (SPEC §1, §7, §9)."""

from __future__ import annotations

import smtplib
import threading
from unittest import mock

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.utils import translation

from notifications import services
from notifications.choices import DeliveryState, NotificationKind
from notifications.delivery import outbox_deliver
from notifications.kinds import render
from notifications.models import Notification
from notifications.services import language_set, notification_mark_read, notifications_mark_all_read, notify_later

pytestmark = pytest.mark.django_db

PARAMS = {"year": 2028, "month": 2, "due": "2028-02-29", "cells": [["东原·光谷印", "marketing"]]}


def send(user, period: str = "2028-02", **kwargs):
    defaults = {"kind": NotificationKind.SELFCHECK_DUE, "params": PARAMS, "url": "/audits/selfchecks/"}
    return notify_later(user=user, period=period, **{**defaults, **kwargs})


def test_written_now_emailed_by_the_worker_once_in_chinese_html_and_text(people, settings) -> None:
    settings.SITE_URL = "https://touchpoint.example.cn/"
    lead = people.user("lead")
    first = send(lead)
    assert first is not None and first.email_state == DeliveryState.PENDING
    assert mail.outbox == []  # nothing is sent inside the caller's transaction
    report = outbox_deliver()
    assert report.emailed == 1 and report.email_waiting == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [people.lead.email]
    assert message.subject == "【今日截止】2028年2月月度自检今天截止"
    assert "杨帆,您好" in message.body
    assert "https://touchpoint.example.cn/audits/selfchecks/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert 'href="https://touchpoint.example.cn/audits/selfchecks/"' in html
    assert "东原·光谷印 · 营销" in html
    first.refresh_from_db()
    assert (first.email_state, first.emailed_to) == (DeliveryState.SENT, people.lead.email)

    # Delivering again sends nothing; the same (recipient, kind, period) again is not recorded.
    assert outbox_deliver().emailed == 0
    assert send(lead) is None
    outbox_deliver()
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(recipient=lead).count() == 1
    # Another period or another kind is another notification.
    assert send(lead, period="2028-03") is not None
    assert send(lead, kind=NotificationKind.SELFCHECK_DUE_SOON, params={**PARAMS, "days": 3}) is not None
    outbox_deliver()
    assert len(mail.outbox) == 3


def test_stored_as_kind_and_parameters_never_as_text(people) -> None:
    """SPEC §1: the row holds no finished Chinese text; the reader's language renders it."""
    note = send(people.user("lead"))
    stored = Notification.objects.filter(pk=note.pk).values()[0]
    assert "subject" not in stored and "body" not in stored
    assert stored["params"] == PARAMS
    assert all("截止" not in str(value) for value in stored.values())


def test_the_caller_rolling_back_leaves_nothing_to_send(people) -> None:
    lead = people.user("lead")
    with pytest.raises(RuntimeError), transaction.atomic():
        send(lead)
        raise RuntimeError("the action failed")
    assert not Notification.objects.exists()
    outbox_deliver()
    assert mail.outbox == []


def test_a_duplicate_inside_the_callers_transaction_keeps_the_callers_work(people) -> None:
    """Two callers pass the existence check together; the constraint refuses the second in a savepoint."""
    lead = people.user("lead")
    assert send(lead) is not None
    with transaction.atomic():
        with mock.patch.object(services.Notification.objects, "filter") as filtered:
            filtered.return_value.exists.return_value = False  # the race: the other row is not visible yet
            assert send(lead) is None
        # The caller's transaction is still usable.
        assert Notification.objects.filter(recipient=lead).count() == 1


def test_a_mail_server_that_is_down_delays_and_never_loses(people, settings) -> None:
    """SPEC §7: the e-mail stays pending with a growing backoff, and goes once the server is back."""
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 30
    lead = people.user("lead")
    note = send(lead)
    with mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages", side_effect=smtplib.SMTPServerDisconnected("down")
    ):
        report = outbox_deliver()
        assert (report.emailed, report.email_waiting) == (0, 1)
        note.refresh_from_db()
        first_retry = note.next_attempt_at
        assert note.email_state == DeliveryState.PENDING and note.attempts == 1 and "down" in note.last_error
        assert outbox_deliver().emailed == 0  # not due yet: backoff
        outbox_deliver(force=True)  # an operator's run_scheduled tries now
        note.refresh_from_db()
        assert note.attempts == 2 and note.next_attempt_at > first_retry
    assert mail.outbox == []
    assert outbox_deliver(force=True).emailed == 1
    assert len(mail.outbox) == 1
    note.refresh_from_db()
    assert note.email_state == DeliveryState.SENT and note.last_error == ""


def test_a_user_without_email_gets_the_in_app_notification_only(people) -> None:
    people.hr.email = ""
    people.hr.save()
    user = people.user("hr")
    notification = send(user)
    outbox_deliver()
    notification.refresh_from_db()
    assert notification.email_state == DeliveryState.SKIPPED and notification.emailed_to == ""
    assert mail.outbox == []


def test_the_database_refuses_a_second_row_whatever_the_code_does(people) -> None:
    lead = people.user("lead")
    send(lead)
    with pytest.raises(IntegrityError):
        Notification.objects.create(recipient=lead, kind=NotificationKind.SELFCHECK_DUE, period="2028-02")


def test_rendered_in_the_readers_language(people) -> None:
    """The same row reads in Chinese on a Chinese page and in English on an English one (SPEC §1)."""
    note = send(people.user("lead"))
    with translation.override("zh-hans"):
        assert Notification.objects.get(pk=note.pk).subject == "【今日截止】2028年2月月度自检今天截止"
    with translation.override("en"):
        english = Notification.objects.get(pk=note.pk)
        assert english.subject == "[Due today] The February 2028 self-check is due today"
        assert "Marketing" in english.body and "营销" not in english.body
        assert english.kind_label == "Self-check due today"


def test_the_email_goes_in_the_recipients_language(people) -> None:
    lead, director = people.user("lead"), people.user("director")
    language_set(user=lead, language="en")
    send(lead)
    send(director)
    with translation.override("zh-hans"):  # whatever the worker's own language
        outbox_deliver()
    by_to = {m.to[0]: m for m in mail.outbox}
    english, chinese = by_to[people.lead.email], by_to[people.director.email]
    assert english.subject == "[Due today] The February 2028 self-check is due today"
    assert "Dear 杨帆," in english.body and "您好" not in english.body
    assert chinese.subject == "【今日截止】2028年2月月度自检今天截止"


def test_rows_from_before_kinds_keep_their_text() -> None:
    legacy = {"legacy": {"subject": "旧标题", "body": "旧内容"}}
    assert render(NotificationKind.SELFCHECK_DUE, legacy, language="en").subject == "旧标题"
    # A kind that can no longer read its parameters shows its label rather than breaking the page.
    assert render(NotificationKind.SELFCHECK_DUE, {}, language="zh-hans").subject == "自检今日截止"
    assert render("no_such_kind", {}).subject == "通知"


def test_mark_read_one_and_all(people) -> None:
    lead = people.user("lead")
    first = send(lead)
    send(lead, period="2028-03")
    send(lead, period="2028-04")
    notification_mark_read(notification=first)
    read_at = first.read_at
    assert read_at is not None
    notification_mark_read(notification=first)
    assert first.read_at == read_at  # the first read time is kept
    assert notifications_mark_all_read(user=lead) == 2
    assert not Notification.objects.filter(recipient=lead, read_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_after_commit_the_worker_is_asked_once_per_transaction(people, monkeypatch) -> None:
    """One enqueue however many rows a transaction wrote; a broker that refuses does not fail the action."""
    calls = []

    def refuse(*args, **kwargs):
        calls.append(threading.get_ident())
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr("notifications.tasks.deliver_outbox_task.apply_async", refuse)
    with transaction.atomic():
        send(people.user("lead"))
        send(people.user("director"))
        send(people.user("head"))
        assert connection.in_atomic_block
    assert len(calls) == 1
    assert Notification.objects.filter(email_state=DeliveryState.PENDING).count() == 3
