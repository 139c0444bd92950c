"""Sessions (OWASP ASVS 3.3): idle timeout, absolute lifetime, no-store, __Host- cookies."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import subprocess
import sys

import pytest
import time_machine
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)


def sign_in(client, people) -> None:
    response = client.post(reverse("login"), {"username": people.lead.user.username, "password": "pw-for-tests-123"})
    assert response.status_code == 302


def is_signed_in(client) -> bool:
    return client.get(reverse("home")).status_code == 200


def test_the_defaults_are_two_hours_idle_and_twelve_hours_in_all() -> None:
    assert settings.SESSION_IDLE_SECONDS == 7200
    assert settings.SESSION_ABSOLUTE_SECONDS == 12 * 3600
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600


def test_a_session_idle_for_longer_than_the_timeout_is_signed_out(client, people) -> None:
    with time_machine.travel(START, tick=False) as clock:
        sign_in(client, people)
        clock.shift(dt.timedelta(seconds=settings.SESSION_IDLE_SECONDS - 60))
        assert is_signed_in(client)
        clock.shift(dt.timedelta(seconds=settings.SESSION_IDLE_SECONDS + 1))
        response = client.get(reverse("home"))
        assert response.status_code == 302 and reverse("login") in response["Location"]
        assert "_auth_user_id" not in client.session
        # the page it is sent to says why
        assert "登录已过期" in client.get(response["Location"]).content.decode()


@override_settings(SESSION_IDLE_SECONDS=600)
def test_the_idle_timeout_is_a_setting(client, people) -> None:
    with time_machine.travel(START, tick=False) as clock:
        sign_in(client, people)
        clock.shift(dt.timedelta(seconds=601))
        assert not is_signed_in(client)


def test_activity_does_not_extend_the_session_past_twelve_hours(client, people) -> None:
    with time_machine.travel(START, tick=False) as clock:
        sign_in(client, people)
        for _ in range(11):  # active every hour, never idle
            clock.shift(dt.timedelta(hours=1))
            assert is_signed_in(client)
        clock.shift(dt.timedelta(minutes=59))
        assert is_signed_in(client)
        clock.shift(dt.timedelta(minutes=2))  # 12 h 01 min after signing in
        assert not is_signed_in(client)


def test_signed_in_pages_are_not_stored_by_the_browser(client, people) -> None:
    sign_in(client, people)
    for url in (reverse("home"), reverse("catalogue"), reverse("password_change")):
        assert "no-store" in client.get(url)["Cache-Control"]


def production(probe: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "RESULTS_SIGNING_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "touchpoint.example.cn",
    }
    env.pop("DEBUG", None)
    return subprocess.run(
        [sys.executable, "-c", "import django;django.setup();from django.conf import settings as s;" + probe],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_uses_host_prefixed_cookies() -> None:
    probe = production(
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SESSION_COOKIE_PATH, s.CSRF_COOKIE_PATH, s.SESSION_COOKIE_DOMAIN, s.CSRF_COOKIE_DOMAIN)"
    )
    assert probe.stdout.split() == [
        "__Host-sessionid",
        "__Host-csrftoken",
        "True",
        "True",
        "/",
        "/",
        "None",
        "None",
    ], probe.stderr
