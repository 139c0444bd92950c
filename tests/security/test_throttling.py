"""Password spraying and reset flooding."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

AXES_ON = {
    "AXES_ENABLED": True,
    "AUTHENTICATION_BACKENDS": ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"],
}
START = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()
    yield
    cache.clear()


def attempt(client, username: str, password: str = "wrong", address: str = "203.0.113.7"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


@override_settings(**AXES_ON)
def test_spraying_from_one_address_across_usernames_is_locked(client) -> None:
    users = [UserFactory(username=f"spray{n}") for n in range(10)]
    assert settings.AXES_IP_FAILURE_LIMIT == 20 and settings.AXES_FAILURE_LIMIT == 5
    with time_machine.travel(START, tick=False):
        statuses = []
        for user in users:  # 4 wrong passwords per account: under the per-account limit of 5
            for _ in range(4):
                statuses.append(attempt(client, user.username).status_code)
        assert statuses[: settings.AXES_IP_FAILURE_LIMIT - 1] == [200] * (settings.AXES_IP_FAILURE_LIMIT - 1)
        assert statuses[settings.AXES_IP_FAILURE_LIMIT - 1] == 429  # the 20th failure from the address
        assert set(statuses[settings.AXES_IP_FAILURE_LIMIT :]) == {429}
        # even the right password of an untouched account is refused from that address during the cool-off
        fresh = UserFactory(username="untouched")
        assert attempt(client, fresh.username, "pw-for-tests-123").status_code == 429
        # another address is not affected
        assert attempt(client, fresh.username, "pw-for-tests-123", address="198.51.100.9").status_code == 302
    with time_machine.travel(START + dt.timedelta(minutes=16), tick=False):
        assert attempt(client, fresh.username, "pw-for-tests-123").status_code == 302


@override_settings(**AXES_ON)
def test_one_username_is_still_locked_after_five_failures(client) -> None:
    user = UserFactory(username="target")
    with time_machine.travel(START, tick=False):
        statuses = [attempt(client, user.username).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]


def reset(client, email: str, address: str = "203.0.113.7"):
    response = client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    return response


def test_the_reset_page_is_ours_and_in_chinese(client) -> None:
    page = client.get(reverse("password_reset")).content.decode()
    assert "重置密码" in page and "发送重置链接" in page


def test_the_eleventh_reset_request_from_one_address_sends_no_email(client) -> None:
    users = [UserFactory(username=f"reset{n}", email=f"reset{n}@example.cn") for n in range(11)]
    with time_machine.travel(START, tick=False):
        for user in users[:10]:
            reset(client, user.email)
        assert len(mail.outbox) == 10
        assert "重置密码" in mail.outbox[0].subject and "/accounts/reset/" in mail.outbox[0].body
        reset(client, users[10].email)
        assert len(mail.outbox) == 10
        reset(client, users[10].email, address="198.51.100.9")  # another address still may
        assert len(mail.outbox) == 11
    with time_machine.travel(START + dt.timedelta(hours=1, minutes=1), tick=False):
        reset(client, users[10].email)  # the window has passed
        assert len(mail.outbox) == 12


def test_the_fourth_reset_of_one_account_in_an_hour_sends_no_email(client) -> None:
    user = UserFactory(username="forgetful", email="forgetful@example.cn")
    with time_machine.travel(START, tick=False):
        for n in range(3):
            reset(client, user.email, address=f"198.51.100.{n + 1}")
        assert len(mail.outbox) == 3
        reset(client, "Forgetful@Example.cn", address="198.51.100.50")  # other case, other address: same account
        assert len(mail.outbox) == 3
