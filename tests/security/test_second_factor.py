"""TOTP second factor: operations, HR and admins must use it where required; others may opt in."""

from __future__ import annotations

import base64
import datetime as dt
import html
import os
import re
import secrets
import subprocess
import sys

import pytest
import time_machine
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
REQUIRED = override_settings(OTP_REQUIRED=True)


def sign_in(client, user) -> None:
    response = client.post(reverse("login"), {"username": user.username, "password": "pw-for-tests-123"})
    assert response.status_code == 302, response.content.decode()[:300]


def code_for(key_hex: str) -> str:
    return f"{totp(bytes.fromhex(key_hex)):06d}"


def enrol(client) -> TOTPDevice:
    """Scan the page as an authenticator app would (the secret shown beside the QR code) and type its code."""
    page = client.get(reverse("otp_setup"))
    assert page.status_code == 200
    text = page.content.decode()
    secret = re.search(r'<code class="user-select-all">([A-Z2-7]+)</code>', text).group(1)
    signed = html.unescape(re.search(r'name="key" value="([^"]+)"', text).group(1))
    key_hex = base64.b32decode(secret).hex()
    response = client.post(reverse("otp_setup"), {"key": signed, "token": code_for(key_hex), "next": "/catalogue/"})
    assert response.status_code == 302 and response["Location"] == "/catalogue/"
    return TOTPDevice.objects.get(key=key_hex)


@REQUIRED
def test_operations_must_enrol_before_any_page_and_then_verify_at_each_sign_in(client, people) -> None:
    inspector = people.user("inspector")
    with time_machine.travel(START, tick=False) as clock:
        sign_in(client, inspector)
        for url in (reverse("home"), reverse("audits:board", kwargs={"quarter": "2026Q3"}), "/admin/"):
            response = client.get(url)
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("otp_setup") + "?next=")
        device = enrol(client)
        assert device.user == inspector and device.confirmed
        assert client.get(reverse("home")).status_code == 200
        client.post(reverse("logout"))

        clock.shift(dt.timedelta(minutes=5))
        sign_in(client, inspector)
        response = client.get(reverse("home"))
        assert response["Location"] == reverse("otp_verify") + "?next=%2F"
        wrong = client.post(reverse("otp_verify"), {"token": "000000", "next": "/"})
        assert wrong.status_code == 400 and "验证码不正确" in wrong.content.decode()
        assert client.get(reverse("home")).status_code == 302
        throttled = client.post(reverse("otp_verify"), {"token": code_for(device.key), "next": "/"})
        assert throttled.status_code == 400 and "次数过多" in throttled.content.decode()  # django-otp's back-off
        clock.shift(dt.timedelta(seconds=3))
        right = client.post(reverse("otp_verify"), {"token": code_for(device.key), "next": "/"})
        assert right.status_code == 302 and right["Location"] == "/"
        assert client.get(reverse("home")).status_code == 200


@REQUIRED
def test_a_code_cannot_be_used_twice(client, people) -> None:
    inspector = people.user("inspector")
    with time_machine.travel(START, tick=False) as clock:
        sign_in(client, inspector)
        device = enrol(client)
        clock.shift(dt.timedelta(minutes=1))
        code = code_for(device.key)
        client.post(reverse("logout"))
        sign_in(client, inspector)
        assert client.post(reverse("otp_verify"), {"token": code}).status_code == 302
        client.post(reverse("logout"))
        sign_in(client, inspector)
        assert client.post(reverse("otp_verify"), {"token": code}).status_code == 400


@REQUIRED
def test_hr_and_admins_are_required_too_and_htmx_is_told_where_to_go(client, people) -> None:
    sign_in(client, people.user("hr"))
    assert client.get(reverse("home"))["Location"].startswith(reverse("otp_setup"))
    htmx = client.get(reverse("home"), HTTP_HX_REQUEST="true")
    assert htmx["HX-Redirect"].startswith(reverse("otp_setup"))
    client.post(reverse("logout"))
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    response = client.post(
        reverse("admin:login"), {"username": admin.username, "password": "pw-for-tests-123", "next": "/admin/"}
    )
    assert response.status_code == 302
    assert client.get("/admin/")["Location"].startswith(reverse("otp_setup"))
    assert client.get("/admin/touchpoints/")["Location"].startswith(reverse("otp_setup"))


@REQUIRED
def test_leads_and_directors_are_not_required_but_may_opt_in(client, people) -> None:
    lead = people.user("lead")
    with time_machine.travel(START, tick=False) as clock:
        sign_in(client, lead)
        assert client.get(reverse("home")).status_code == 200
        enrol(client)
        client.post(reverse("logout"))
        clock.shift(dt.timedelta(minutes=1))
        sign_in(client, lead)
        assert client.get(reverse("home"))["Location"].startswith(reverse("otp_verify"))
    client.post(reverse("logout"))
    sign_in(client, people.user("director"))
    assert client.get(reverse("home")).status_code == 200


def test_without_the_requirement_operations_sign_in_with_a_password_as_in_the_demo(client, people) -> None:
    assert settings.OTP_REQUIRED is False
    sign_in(client, people.user("inspector"))
    assert client.get(reverse("home")).status_code == 200
    assert client.get("/admin/").status_code in (200, 302)


def test_the_enrolment_page_draws_the_qr_code_itself_and_stores_nothing(client, people) -> None:
    sign_in(client, people.user("lead"))
    page = client.get(reverse("otp_setup")).content.decode()
    assert 'src="data:image/svg+xml' in page
    assert "<script>" not in page and "http" not in re.search(r'src="(data:[^"]+)"', page).group(1)[:40]
    assert TOTPDevice.objects.count() == 0
    tampered = client.post(reverse("otp_setup"), {"key": "forged", "token": "123456"})
    assert tampered.status_code == 400 and "已过期" in tampered.content.decode()
    assert TOTPDevice.objects.count() == 0


def settings_probe(module: str) -> str:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": module,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "RESULTS_SIGNING_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "touchpoint.example.cn",
    }
    env.pop("OTP_REQUIRED", None)
    probe = subprocess.run(
        [sys.executable, "-c", "import django;django.setup();from django.conf import settings as s;print(s.OTP_REQUIRED)"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return probe.stdout.strip() or probe.stderr


def test_production_requires_the_second_factor_and_local_settings_do_not() -> None:
    assert settings_probe("config.settings.production") == "True"
    assert settings_probe("config.settings.local") == "False"


@REQUIRED
def test_a_lead_who_opted_in_may_opt_out_but_operations_may_not(client, people) -> None:
    with time_machine.travel(START, tick=False):
        sign_in(client, people.user("lead"))
        enrol(client)
        assert "停用两步验证" in client.get(reverse("otp_setup")).content.decode()
        assert client.post(reverse("otp_setup"), {"action": "disable"}).status_code == 302
        assert not TOTPDevice.objects.filter(user=people.user("lead")).exists()
        client.post(reverse("logout"))
        sign_in(client, people.user("inspector"))
        enrol(client)
        assert "停用两步验证" not in client.get(reverse("otp_setup")).content.decode()
        assert client.post(reverse("otp_setup"), {"action": "disable"}).status_code == 403
        assert TOTPDevice.objects.filter(user=people.user("inspector")).exists()
