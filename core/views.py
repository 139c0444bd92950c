"""The health check: small and dependency-free, like healthchecks' own views."""

from celery import current_app
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponsePermanentRedirect, HttpResponseRedirect, JsonResponse
from django.templatetags.static import static
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for deployment: the database answers and, when one is configured, the Celery broker answers."""
    status: dict[str, str] = {}
    healthy = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        status["database"] = "ok"
    except Exception as exc:
        status["database"] = f"error: {exc.__class__.__name__}"
        healthy = False
    if settings.CELERY_BROKER_URL:
        try:
            with current_app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=3)
            status["broker"] = "ok"
        except Exception as exc:
            status["broker"] = f"error: {exc.__class__.__name__}"
            healthy = False
    else:
        status["broker"] = "in-process"
    return JsonResponse({"status": "ok" if healthy else "error", **status}, status=200 if healthy else 503)


def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers ask for /favicon.ico; the icon is a static file. Resolved per request, so importing the URLs never
    needs the collected static files' manifest (a `manage.py check` before `collectstatic` works)."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))
