"""Request-level safeguards every view shares: allowed methods, session lifetimes, no caching of signed-in
pages, and the second factor for the roles that move money and appraisals.

They live here rather than in each view so that a new view cannot forget them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import lru_cache
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django_otp import user_has_device

from .access import second_factor_required

ALLOWED_METHODS = ("GET", "HEAD", "POST", "OPTIONS")
SESSION_STARTED_KEY = "_touchpoint_started"
SESSION_SEEN_KEY = "_touchpoint_seen"
SECOND_FACTOR_ENROLLED_KEY = "_touchpoint_2fa_enrolled"
# The last-seen stamp is refreshed at most this often, so a burst of requests does not write the session each time.
SEEN_RESOLUTION_SECONDS = 60


class AllowedMethodsMiddleware:
    """Answer 405 to PUT, DELETE, PATCH, TRACE and any other method no page is made for, before any view runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in ALLOWED_METHODS:
            return HttpResponseNotAllowed(ALLOWED_METHODS)
        return self.get_response(request)


class SessionLifetimeMiddleware:
    """Server-side session limits (OWASP ASVS 3.3): an idle timeout and an absolute lifetime from sign-in.

    The cookie's own age is only a hint to the browser; these stamps live in the session on the server, so a copied
    cookie stops working at the same moments. Signed-in pages are sent with `Cache-Control: no-store`, so a shared or
    stolen computer's browser cache holds no one's results.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        signed_in = bool(user is not None and user.is_authenticated)
        if signed_in:
            now = time.time()
            session = request.session
            started = session.get(SESSION_STARTED_KEY)
            seen = session.get(SESSION_SEEN_KEY)
            idle = settings.SESSION_IDLE_SECONDS
            absolute = settings.SESSION_ABSOLUTE_SECONDS
            if started is None or seen is None:
                session[SESSION_STARTED_KEY] = now if started is None else started
                session[SESSION_SEEN_KEY] = now
            elif now - seen > idle or now - started > absolute:
                logout(request)
                messages.info(request, _("登录已过期,请重新登录。"))
                signed_in = False
            elif now - seen >= SEEN_RESOLUTION_SECONDS:
                session[SESSION_SEEN_KEY] = now
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if signed_in or (user is not None and user.is_authenticated):
            patch_cache_control(response, no_store=True, private=True)
        return response


def stamp_signed_in_session(sender, request, user, **kwargs) -> None:
    """At sign-in (user_logged_in): start the session's lifetimes and note whether the user has a second factor, so
    the pages that follow need no extra query for either."""
    if request is None or not hasattr(request, "session"):
        return
    now = time.time()
    request.session[SESSION_STARTED_KEY] = now
    request.session[SESSION_SEEN_KEY] = now
    request.session[SECOND_FACTOR_ENROLLED_KEY] = user_has_device(user, confirmed=True)


@lru_cache(maxsize=8)
def _exempt_prefixes(root_urlconf: str, urlconf: str | None, script_prefix: str, static_url: str) -> tuple[str, ...]:
    return (
        reverse("otp_setup"),
        reverse("otp_verify"),
        reverse("logout"),
        reverse("admin:logout"),
        reverse("set_language"),
        static_url,
        "/healthz",
    )


def second_factor_exempt(path: str) -> bool:
    """Pages an unverified user may still open: the second-factor pages themselves, signing out, static files.

    The prefixes are reversed once per URL configuration and script prefix (the arguments key the memo, as
    core.layout.nav_urls does), not on every request."""
    prefixes = _exempt_prefixes(settings.ROOT_URLCONF, get_urlconf(), get_script_prefix(), settings.STATIC_URL)
    return path.startswith(prefixes)


class SecondFactorMiddleware:
    """Users who must use a second factor (access.second_factor_required) reach no page until they have verified one
    in this session: those without a device are sent to enrol, the others to enter a code. This covers /admin/ too.

    Needs django_otp.middleware.OTPMiddleware before it (it gives `request.user.is_verified()`).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified() or second_factor_exempt(request.path):
            return self.get_response(request)
        enrolled = request.session.get(SECOND_FACTOR_ENROLLED_KEY)
        if enrolled is None:  # once per session: whether this user has a confirmed device (leads may opt in)
            enrolled = user_has_device(user, confirmed=True)
            request.session[SECOND_FACTOR_ENROLLED_KEY] = enrolled
        if second_factor_required(user, enrolled=enrolled):
            target = reverse("otp_verify") if enrolled else reverse("otp_setup")
            url = f"{target}?{urlencode({'next': request.get_full_path()})}"
            if request.headers.get("HX-Request") == "true":
                response = HttpResponse(status=204)
                response["HX-Redirect"] = url
                return response
            return HttpResponseRedirect(url)
        return self.get_response(request)
