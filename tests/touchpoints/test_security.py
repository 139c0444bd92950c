"""Security settings: login throttling with a cool-off, CSP without inline script, deploy checks."""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

AXES_ON = {
    "AXES_ENABLED": True,
    "AUTHENTICATION_BACKENDS": ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"],
}


@override_settings(**AXES_ON)
def test_five_failed_logins_lock_the_account_for_the_cool_off(client, people) -> None:
    username = people.lead.user.username
    with time_machine.travel(dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC), tick=False):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            response = client.post(reverse("login"), {"username": username, "password": "wrong"})
            assert response.status_code == 200
        fifth = client.post(reverse("login"), {"username": username, "password": "wrong"})
        assert fifth.status_code == 429
        locked = client.post(reverse("login"), {"username": username, "password": "pw-for-tests-123"})
        assert locked.status_code == 429
        assert "登录已暂时锁定" in locked.content.decode()
        assert "_auth_user_id" not in client.session
    with time_machine.travel(dt.datetime(2026, 11, 30, 9, 16, tzinfo=dt.UTC), tick=False):
        response = client.post(reverse("login"), {"username": username, "password": "pw-for-tests-123"})
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(people.lead.user.pk)


@override_settings(**AXES_ON)
def test_a_locked_username_does_not_lock_another_person(client, people) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": people.lead.user.username, "password": "wrong"})
    response = client.post(reverse("login"), {"username": people.director.user.username, "password": "pw-for-tests-123"})
    assert response.status_code == 302


def test_pages_carry_a_content_security_policy_without_inline_script(client, people) -> None:
    client.force_login(people.user("lead"))
    policy = client.get(reverse("home"))["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE)


def test_no_template_has_an_inline_script_or_event_handler() -> None:
    offenders = []
    for template in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        if INLINE_SCRIPT.search(text) or INLINE_HANDLER.search(text):
            offenders.append(str(template.relative_to(settings.BASE_DIR)))
    assert offenders == []


def test_the_scan_would_catch_an_inline_script() -> None:
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert INLINE_HANDLER.search('<button onclick="go()">')
    assert not INLINE_SCRIPT.search('<script src="/static/js/app.js"></script>')
    assert not INLINE_SCRIPT.search('<script id="d" type="application/json">{}</script>')


def test_production_settings_pass_the_deploy_check_with_secure_cookies() -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "RESULTS_SIGNING_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "touchpoint.example.cn",
    }
    env.pop("DEBUG", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests only; never in deployment
    check = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django;django.setup();from django.conf import settings as s;"
            "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.DEBUG)",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert probe.stdout.split() == ["True", "True", "True", "False"], probe.stderr
