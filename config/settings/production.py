"""Production settings: everything secret or site-specific must come from the environment."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import database_from_environment, env_bool

DEBUG = False
# Connections are kept for a minute unless DB_CONN_MAX_AGE says otherwise (0: a new connection per request), so that the
# statements prepared on a connection serve the requests after the one that prepared them (base.py).
DATABASES = {"default": database_from_environment(default_conn_max_age=60)}
SECRET_KEY = os.environ["SECRET_KEY"]
# SPEC §7: the key that signs published results must be the site's own secret (at least 32 characters).
RESULTS_SIGNING_KEY = os.environ.get("RESULTS_SIGNING_KEY", "")
if len(RESULTS_SIGNING_KEY) < 32:
    raise ImproperlyConfigured("RESULTS_SIGNING_KEY must be set to a secret of at least 32 characters in production")
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
SESSION_COOKIE_HTTPONLY = True
# `__Host-` cookies: the browser keeps them only when Secure, with Path=/ and no Domain, so no sibling
# subdomain can plant or read them.
if SESSION_COOKIE_SECURE:
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SESSION_COOKIE_PATH = "/"
CSRF_COOKIE_PATH = "/"
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
# Operations, HR and admins sign in with a second factor (core.access.second_factor_required).
OTP_REQUIRED = env_bool("OTP_REQUIRED", True)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# The container's own health check and the load balancer's probe speak plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
