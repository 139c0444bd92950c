"""notify(): recorded and e-mailed exactly once per (recipient, kind, period) (SPEC §9)."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core import mail
from django.db import IntegrityError

from notifications import services
from notifications.choices import NotificationKind
from notifications.models import Notification
from notifications.services import notification_mark_read, notifications_mark_all_read, notify

pytestmark = pytest.mark.django_db


def send(user, period: str = "2028-02", **kwargs):
    defaults = {
        "kind": NotificationKind.SELFCHECK_DUE,
        "subject": "【今日截止】2028年2月月度自检今天截止",
        "body": "您负责的以下月度自检尚未提交:\n- 东原·光谷印 · 营销",
        "url": "/audits/selfchecks/",
    }
    return notify(user=user, period=period, **{**defaults, **kwargs})


def test_sends_once_in_app_and_by_email_in_chinese_html_and_text(people, settings) -> None:
    settings.SITE_URL = "https://touchpoint.example.cn/"
    lead = people.user("lead")
    first = send(lead)
    assert first is not None and first.emailed_to == people.lead.email
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

    # The same (recipient, kind, period) again: nothing recorded, nothing sent.
    assert send(lead) is None
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(recipient=lead).count() == 1
    # Another period or another kind is another notification.
    assert send(lead, period="2028-03") is not None
    assert send(lead, kind=NotificationKind.SELFCHECK_DUE_SOON) is not None
    assert len(mail.outbox) == 3


def test_a_concurrent_duplicate_is_refused_by_the_constraint_and_sends_nothing(people) -> None:
    """Two workers pass the existence check together; the unique constraint lets only the first through."""
    lead = people.user("lead")
    assert send(lead) is not None
    mail.outbox.clear()
    with mock.patch.object(services.Notification.objects, "filter") as filtered:
        filtered.return_value.exists.return_value = False  # the race: the other row is not visible yet
        assert send(lead) is None
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=lead).count() == 1


def test_a_failed_email_rolls_back_the_record_so_a_retry_sends_it(people) -> None:
    lead = people.user("lead")
    failing = mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=ConnectionError("smtp down"))
    with failing, pytest.raises(ConnectionError):
        send(lead)
    assert not Notification.objects.filter(recipient=lead).exists()
    assert send(lead) is not None
    assert len(mail.outbox) == 1


def test_a_user_without_email_gets_the_in_app_notification_only(people) -> None:
    people.hr.email = ""
    people.hr.save()
    user = people.user("hr")
    notification = send(user)
    assert notification is not None and notification.emailed_to == ""
    assert mail.outbox == []


def test_the_database_refuses_a_second_row_whatever_the_code_does(people) -> None:
    lead = people.user("lead")
    send(lead)
    with pytest.raises(IntegrityError):
        Notification.objects.create(recipient=lead, kind=NotificationKind.SELFCHECK_DUE, period="2028-02", subject="x", body="x")


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
