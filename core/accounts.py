"""Signing in safely (OWASP ASVS level 2): the TOTP second factor and a rate-limited password reset.

Enrolment keeps no state until the user proves the authenticator works: the page carries the new secret in a signed
field, and only a correct code creates the (confirmed) device. The QR code is drawn on the server as an SVG data URI
(segno), so the page needs no script and no outside service.
"""

from __future__ import annotations

import hashlib
import time
from base64 import b32encode
from binascii import unhexlify
from urllib.parse import urlencode

import segno
from axes.helpers import get_client_ip_address
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from .access import second_factor_required
from .middleware import SECOND_FACTOR_ENROLLED_KEY

SETUP_SALT = "touchpoint.otp-setup"
SETUP_MAX_AGE_SECONDS = 15 * 60


class TokenForm(forms.Form):
    """A six-digit code from the authenticator app."""

    token = forms.RegexField(
        label=gettext_lazy("验证码"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"required": gettext_lazy("请填写验证码"), "invalid": gettext_lazy("验证码是 6 位数字")},
    )


class SetupForm(TokenForm):
    key = forms.CharField(widget=forms.HiddenInput, error_messages={"required": gettext_lazy("密钥缺失,请刷新页面")})


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _device_for_key(user, key: str) -> TOTPDevice:
    return TOTPDevice(user=user, key=key, name=_("身份验证器"), confirmed=True)


def _qr_data_uri(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan the QR code, type the code it shows. Nothing is stored before that code."""
    user = request.user
    confirmed = list(devices_for_user(user, confirmed=True))
    may_disable = not second_factor_required(user, enrolled=False)  # leads and directors opted in; they may opt out
    if confirmed and request.method == "POST" and request.POST.get("action") == "disable":
        if not may_disable or not user.is_verified():
            return render(request, "registration/otp_setup.html", {"enrolled": True, "may_disable": False}, status=403)
        TOTPDevice.objects.filter(user=user).delete()
        request.session.pop(DEVICE_ID_SESSION_KEY, None)
        request.session[SECOND_FACTOR_ENROLLED_KEY] = False
        messages.success(request, _("两步验证已停用。"))
        return redirect(_safe_next(request))
    if confirmed and request.method == "GET":
        context = {"enrolled": True, "may_disable": may_disable, "next": _safe_next(request)}
        return render(request, "registration/otp_setup.html", context)
    form = SetupForm(request.POST if request.method == "POST" else None)
    key = None
    if form.is_bound:
        try:
            key = signing.loads(form.data.get("key", ""), salt=f"{SETUP_SALT}:{user.pk}", max_age=SETUP_MAX_AGE_SECONDS)
        except signing.BadSignature:
            form.add_error(None, _("设置页面已过期,请用新的二维码重新设置"))
        if key is not None and form.is_valid():
            device = _device_for_key(user, key)
            totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
            totp.time = time.time()
            if totp.verify(int(form.cleaned_data["token"]), device.tolerance):
                device.last_t = totp.t()
                with transaction.atomic():
                    TOTPDevice.objects.filter(user=user).delete()  # one authenticator per person
                    device.save()
                otp_login(request, device)
                request.session[SECOND_FACTOR_ENROLLED_KEY] = True
                messages.success(request, _("两步验证已启用。以后登录时需要输入身份验证器上的验证码。"))
                return redirect(_safe_next(request))
            form.add_error("token", _("验证码不正确,请确认手机时间准确后重试"))
    if key is None or confirmed:
        key = default_key()
    device = _device_for_key(user, key)
    context = {
        "enrolled": False,
        "form": form,
        "signed_key": signing.dumps(key, salt=f"{SETUP_SALT}:{user.pk}"),
        "secret": b32encode(unhexlify(key)).decode(),
        "qr": _qr_data_uri(device),
        "next": _safe_next(request),
    }
    return render(request, "registration/otp_setup.html", context, status=400 if form.is_bound else 200)


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    """The second step after the password: a code from the enrolled authenticator (throttled by django-otp)."""
    user = request.user
    devices = list(devices_for_user(user, confirmed=True))
    if not devices:
        return redirect(f"{reverse('otp_setup')}?{urlencode({'next': _safe_next(request)})}")
    form = TokenForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        token = form.cleaned_data["token"].strip()
        for device in devices:
            allowed, _details = device.verify_is_allowed()
            if not allowed:
                form.add_error("token", _("验证码错误次数过多,请稍后再试"))
                break
            if device.verify_token(token):
                otp_login(request, device)
                request.session[SECOND_FACTOR_ENROLLED_KEY] = True
                return redirect(_safe_next(request))
        else:
            form.add_error("token", _("验证码不正确或已过期"))
    status = 400 if form.is_bound else 200
    return render(request, "registration/otp_verify.html", {"form": form, "next": _safe_next(request)}, status=status)


# ---------------------------------------------------------------------------------------------------------------
# Password reset


def _reset_counter_allows(kind: str, subject: str, limit: int) -> bool:
    """Count one reset request against `subject` in the current window; False once the limit has been passed.

    The counter lives in the default cache (Redis in production, shared by every web process).
    """
    digest = hashlib.sha256(subject.strip().lower().encode()).hexdigest()[:32]
    key = f"password-reset:{kind}:{digest}"
    cache.add(key, 0, timeout=settings.PASSWORD_RESET_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=settings.PASSWORD_RESET_WINDOW_SECONDS)
        count = 1
    return count <= limit


class LimitedPasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, limited per address and per account.

    Over a limit the page answers exactly as usual (so it tells nobody whether an account exists or is limited),
    but no e-mail is sent.
    """

    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def form_valid(self, form):
        address = get_client_ip_address(self.request) or "unknown"
        email = form.cleaned_data["email"]
        by_address = _reset_counter_allows("address", address, settings.PASSWORD_RESET_LIMIT_PER_ADDRESS)
        by_account = _reset_counter_allows("account", email, settings.PASSWORD_RESET_LIMIT_PER_ACCOUNT)
        if by_address and by_account:
            return super().form_valid(form)
        return redirect(self.get_success_url())
