"""Batch sending (publication's fan-out): each message exactly once, a fixed number of queries, one mail connection."""

from __future__ import annotations

import pytest
from django.core import mail

from notifications.choices import NotificationKind
from notifications.models import Notification
from notifications.services import Outgoing, notify_many
from tests.factories import PersonFactory
from touchpoints.models import Person

pytestmark = pytest.mark.django_db


def recipients(n: int) -> list:
    PersonFactory.create_batch(n)
    return [p.user for p in Person.objects.select_related("user").order_by("-id")[:n]]


def messages(users: list, period: str = "2026Q1v1") -> list[Outgoing]:
    return [
        Outgoing(
            user=u,
            kind=NotificationKind.RESULT_PUBLISHED,
            period=period,
            subject="2026年第1季度考核结果已发布",
            body="得分",
            url="/results/2026Q1/",
        )
        for u in users
    ]


def test_each_message_is_sent_once_even_when_sent_twice() -> None:
    users = recipients(4)
    assert len(notify_many(messages(users))) == 4
    assert len(mail.outbox) == 4
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.person.email for u in users)
    assert notify_many(messages(users)) == []
    assert len(mail.outbox) == 4
    assert Notification.objects.filter(kind=NotificationKind.RESULT_PUBLISHED).count() == 4


def test_already_sent_ones_are_skipped_and_the_rest_sent() -> None:
    users = recipients(3)
    notify_many(messages(users[:1]))
    mail.outbox.clear()
    assert len(notify_many(messages(users))) == 2
    assert len(mail.outbox) == 2


def test_query_count_does_not_grow_with_recipients(django_assert_max_num_queries) -> None:
    few, many = recipients(3), recipients(60)
    with django_assert_max_num_queries(6):
        notify_many(messages(few, period="p1"))
    with django_assert_max_num_queries(6):
        notify_many(messages(many, period="p2"))
    assert Notification.objects.filter(period="p2").count() == 60
