"""Home, catalogue browsing and the health check. Views are thin: access through `access`, data through selectors."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache

from config.celery import app as celery_app

from . import dates, selectors
from .access import scope_for
from .home import home_panels


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """What this person has to do now, by role (SPEC §1)."""
    scope = scope_for(request.user)
    today = dates.local_today()
    context = {
        "today": today,
        "quarter": dates.Quarter.of(today),
        "due": dates.due_date(today.year, today.month),
        "assignments": selectors.person_assignments(scope=scope, today=today),
        "counts": selectors.organisation_counts() if scope.sees_all else None,
        "panels": home_panels(request=request, scope=scope, today=today),
    }
    return render(request, "touchpoints/home.html", context)


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    """The touchpoint catalogue, readable by everyone signed in: the standard each checklist is judged against (R7)."""
    query = request.GET.get("q", "").strip()[:100]
    groups = selectors.catalogue_by_function(query=query)
    active = next((function for function, items in groups if items), groups[0][0])
    return render(
        request,
        "touchpoints/catalogue.html",
        {
            "groups": groups,
            "active": active,
            "query": query,
            "found": sum(len(items) for _, items in groups),
            "projects": selectors.projects_with_stages(),
        },
    )


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
            with celery_app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=3)
            status["broker"] = "ok"
        except Exception as exc:
            status["broker"] = f"error: {exc.__class__.__name__}"
            healthy = False
    else:
        status["broker"] = "in-process"
    return JsonResponse({"status": "ok" if healthy else "error", **status}, status=200 if healthy else 503)


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages that name no icon (the admin, downloads): send them to the served one."""
    return redirect(static("favicon.svg"), permanent=True)
