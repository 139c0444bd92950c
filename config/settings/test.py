"""Settings for the test suite. The database comes from DATABASE_URL (CI points it at PostgreSQL)."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PRIVATE_MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="touchpoint-private-"))
MEDIA_ROOT = PRIVATE_MEDIA_ROOT
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="touchpoint-static-"))
# The test client's login() authenticates without a request, which django-axes refuses; the throttling test
# switches axes back on explicitly (tests/touchpoints/test_security.py).
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
AXES_ENABLED = False
SILENCED_SYSTEM_CHECKS = ["axes.W003"]  # the axes backend is left out on purpose here, see above
