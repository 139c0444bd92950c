"""Operations enrol a TOTP authenticator on a phone and sign in with it, in a real browser."""

import base64

import pytest
from django_otp.oath import totp

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def code(secret: str) -> str:
    return f"{totp(base64.b32decode(secret)):06d}"


def test_operations_enrol_on_a_phone_then_reach_their_pages(phone_page, people, settings) -> None:
    settings.OTP_REQUIRED = True
    page = phone_page
    page.goto(f"{page.base_url}/accounts/login/")
    page.fill("#id_username", people.inspector.user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{page.base_url}/accounts/2fa/setup/**")
    qr = page.locator("img.otp-qr")
    assert qr.is_visible() and qr.get_attribute("src").startswith("data:image/svg+xml")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    secret = page.locator("code.user-select-all").inner_text()
    page.fill("#id_token", code(secret))
    page.click("button:has-text('启用两步验证')")
    page.wait_for_url(f"{page.base_url}/")
    assert "两步验证已启用" in page.content()
