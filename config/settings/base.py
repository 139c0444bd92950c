"""Settings shared by every environment. Everything that differs between machines comes from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-dev-key-change-me-in-production-0123456789")
DEBUG = env_bool("DEBUG", False)
# SPEC §7: published results are signed with HMAC-SHA256 under this key (scoring.signing). Rotate by moving the old key to
# RESULTS_SIGNING_KEYS_OLD (comma-separated; still accepted for verification) and running `manage.py resign_results`.
# The default is for development and tests only; production settings refuse to start without a key of their own.
RESULTS_SIGNING_KEY = os.environ.get("RESULTS_SIGNING_KEY", "insecure-dev-results-signing-key-0123456789")
RESULTS_SIGNING_KEYS_OLD = env_list("RESULTS_SIGNING_KEYS_OLD", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "simple_history",
    "django_celery_beat",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "core",
    "touchpoints",
    "audits",
    "scoring",
    "rewards",
    "notifications",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # PUT, DELETE, TRACE… are answered 405 before anything else runs.
    "core.middleware.AllowedMethodsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle timeout, absolute lifetime, no-store on signed-in pages; then the second factor where required.
    "core.middleware.SessionLifetimeMiddleware",
    "core.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # django-axes last: it turns a locked-out login into the cool-off page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "core.context_processors.roles",
                "notifications.context_processors.unread",
            ],
        },
    },
]


def database_from_environment(default_conn_max_age: int) -> dict:
    """The default database from DATABASE_URL. The embedded default is a SQLite file, so the product runs with nothing
    else installed.

    On PostgreSQL, psycopg 3 binds parameters on the server, and a statement that a connection has run more than
    DB_PREPARE_THRESHOLD times (default 5) is prepared on that connection: later runs skip PostgreSQL's planning, which
    costs more than the execution for most of the pages' queries (docs/performance-notes.md). A prepared statement
    lives only as long as its connection, so this only pays with persistent connections (DB_CONN_MAX_AGE > 0); with a
    new connection per request every statement is planned again. Behind a pooler in transaction mode that does not
    track prepared statements (PgBouncer before 1.21, or without max_prepared_statements) set DB_PREPARE_THRESHOLD=none.
    """
    database = dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", str(default_conn_max_age))),
        conn_health_checks=True,  # a kept connection that died is replaced, not an error
    )
    if database["ENGINE"] == "django.db.backends.postgresql":
        threshold = os.environ.get("DB_PREPARE_THRESHOLD", "5").strip().lower()
        database["OPTIONS"] = {
            **database.get("OPTIONS", {}),
            "server_side_binding": True,
            # Django turns psycopg's preparing off unless OPTIONS ask for it.
            "prepare_threshold": None if threshold in {"", "none", "off"} else int(threshold),
        }
    return database


# Development and tests open a connection per request; production keeps them (config/settings/production.py).
DATABASES = {"default": database_from_environment(default_conn_max_age=0)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"

# Login throttling (django-axes): five failures for one username from one address lock it for 15 minutes, and
# twenty failures from one address, whatever the usernames (password spraying), lock that address
# (core.throttling counts each parameter against its own limit).
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_IP_FAILURE_LIMIT = int(os.environ.get("AXES_IP_FAILURE_LIMIT", "20"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "core.throttling.PerParameterLimitHandler"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("AXES_PROXY_COUNT", "0"))

# Content-Security-Policy (django-csp): every script comes from our own static files; no inline script at all.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],  # Bootstrap and the admin set inline styles; scripts stay strict
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Sessions (OWASP ASVS 3.3): signed out after SESSION_IDLE_SECONDS without a request and 12 hours after signing in,
# whatever the activity; both enforced on the server (core.middleware.SessionLifetimeMiddleware).
SESSION_IDLE_SECONDS = int(os.environ.get("SESSION_IDLE_SECONDS", "7200"))
SESSION_ABSOLUTE_SECONDS = int(os.environ.get("SESSION_ABSOLUTE_SECONDS", str(12 * 3600)))
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_SECONDS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
LOGIN_REDIRECT_URL = "home"

# Second factor (django-otp, TOTP): where OTP_REQUIRED is on (production), operations, HR and admins must enrol and
# verify a code after their password; anyone else who enrolled (leads, directors) verifies too. Off by default so the
# demo logins keep working (core.access.second_factor_required).
OTP_REQUIRED = env_bool("OTP_REQUIRED", False)
OTP_TOTP_ISSUER = "客户触点考核"
OTP_TOTP_THROTTLE_FACTOR = 1

# Password reset: at most this many requests per address and per account in the window (core.accounts).
PASSWORD_RESET_LIMIT_PER_ADDRESS = int(os.environ.get("PASSWORD_RESET_LIMIT_PER_ADDRESS", "10"))
PASSWORD_RESET_LIMIT_PER_ACCOUNT = int(os.environ.get("PASSWORD_RESET_LIMIT_PER_ACCOUNT", "3"))
PASSWORD_RESET_WINDOW_SECONDS = 3600

# Workbook uploads: refused before parsing past this much uncompressed sheet XML, and while reading past this many
# rows in a sheet (core.xlsx), so a small compressed file cannot exhaust a worker.
WORKBOOK_MAX_SHEET_BYTES = int(os.environ.get("WORKBOOK_MAX_SHEET_BYTES", str(50 * 1024 * 1024)))
WORKBOOK_MAX_ROWS = int(os.environ.get("WORKBOOK_MAX_ROWS", "20000"))
# The shared-string table is loaded whole before the first row, so it has a tighter limit of its own; and reading
# stops after WORKBOOK_MAX_SECONDS whatever the shape of the rows (well under gunicorn's worker timeout).
WORKBOOK_MAX_SHARED_STRINGS_BYTES = int(os.environ.get("WORKBOOK_MAX_SHARED_STRINGS_BYTES", str(8 * 1024 * 1024)))
WORKBOOK_MAX_SECONDS = float(os.environ.get("WORKBOOK_MAX_SECONDS", "20"))
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["core.formats"]  # Chinese dates as the company writes them (core/formats/zh_Hans)

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Deliverables are private: stored outside static/ and never served by URL, only through views that check access.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", BASE_DIR / "private"))
MEDIA_ROOT = PRIVATE_MEDIA_ROOT
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Celery: with no broker configured, tasks run in-process (the embedded default).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL

# The cache: Redis when CACHE_URL names one (production: shared by every web process and the worker), otherwise
# memory of this one process.
CACHE_URL = os.environ.get("CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL, "KEY_PREFIX": "touchpoint"}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "touchpoint"}
    ),
}
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ACKS_LATE = True
# Enqueuing from a request gives up quickly when the broker is down (one quick retry, not kombu's 4 s of retries):
# the outbox keeps the rows and the worker's periodic delivery or run_scheduled sends them later (SPEC §7).
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "客户触点考核 <touchpoint-audit@localhost>")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# The notification outbox (SPEC §7, §15): retry backoff of e-mails and chat posts, and the group robots' endpoints.
NOTIFICATIONS_RETRY_BASE_SECONDS = int(os.environ.get("NOTIFICATIONS_RETRY_BASE_SECONDS", "30"))
NOTIFICATIONS_RETRY_MAX_SECONDS = int(os.environ.get("NOTIFICATIONS_RETRY_MAX_SECONDS", "3600"))
NOTIFICATIONS_CHAT_MAX_ATTEMPTS = int(os.environ.get("NOTIFICATIONS_CHAT_MAX_ATTEMPTS", "5"))
CHAT_TIMEOUT_SECONDS = float(os.environ.get("CHAT_TIMEOUT_SECONDS", "5"))
WECOM_WEBHOOK_URL = os.environ.get("WECOM_WEBHOOK_URL", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send")
DINGTALK_WEBHOOK_URL = os.environ.get("DINGTALK_WEBHOOK_URL", "https://oapi.dingtalk.com/robot/send")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
