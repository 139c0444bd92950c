"""Account pages of our own, listed before django.contrib.auth.urls so they take its place where names clash."""

from django.urls import path

from . import accounts

urlpatterns = [
    path("password_reset/", accounts.LimitedPasswordResetView.as_view(), name="password_reset"),
    path("2fa/setup/", accounts.otp_setup, name="otp_setup"),
    path("2fa/verify/", accounts.otp_verify, name="otp_verify"),
]
