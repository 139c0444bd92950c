"""Home and catalogue browsing. Views are thin: access through `access`, data through selectors."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core import dates
from core.access import scope_for
from core.home import home_panels

from . import selectors


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
