"""Reads of the catalogue and the organisation for pages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count

from . import dates
from .access import Scope
from .choices import Function, Role
from .models import Assignment, Project, Touchpoint


@dataclass(frozen=True)
class CellDue:
    """A cell a functional manager leads, with this month's due date and how many touchpoints apply now."""

    project: Project
    function: Function
    applicable: int
    due: dt.date
    days_left: int


def applicable_counts(project_ids: set[int]) -> dict[tuple[int, str], int]:
    """Active touchpoints per (project, function) whose stage is active in the project now — one query."""
    rows = (
        Touchpoint.objects.active()
        .filter(stage__projects__in=project_ids)
        .values("stage__projects", "function")
        .annotate(n=Count("id"))
    )
    return {(r["stage__projects"], r["function"]): r["n"] for r in rows}


def home_cells(*, scope: Scope, today: dt.date | None = None) -> list[CellDue]:
    """The cells the user leads, in a fixed number of queries."""
    today = today or dates.local_today()
    if not scope.led_cells:
        return []
    projects = Project.objects.in_bulk({p for p, _f in scope.led_cells})
    counts = applicable_counts(set(projects))
    due = dates.due_date(today.year, today.month)
    cells = [
        CellDue(projects[p], Function(f), counts.get((p, f), 0), due, (due - today).days)
        for p, f in scope.led_cells
        if p in projects
    ]
    return sorted(cells, key=lambda c: (c.project.code, list(Function).index(c.function)))


def person_assignments(*, scope: Scope, today: dt.date | None = None) -> list[Assignment]:
    if scope.person is None:
        return []
    return list(
        Assignment.objects.filter(person=scope.person)
        .current(today or dates.local_today())
        .select_related("project")
        .order_by("role", "project__code", "function")
    )


def organisation_counts() -> dict[str, int]:
    """Sizes shown to operations and HR on their home page."""
    return {
        "projects": Project.objects.filter(is_active=True).count(),
        "touchpoints": Touchpoint.objects.active().count(),
        "leads": Assignment.objects.current(dates.local_today()).filter(role=Role.FUNCTIONAL_MANAGER).count(),
    }


def catalogue_by_function() -> list[tuple[Function, list[Touchpoint]]]:
    """The active catalogue grouped by function, in one query."""
    grouped: dict[str, list[Touchpoint]] = {f: [] for f in Function.values}
    for touchpoint in Touchpoint.objects.active().select_related("stage", "level").order_by("stage__order", "code"):
        grouped[touchpoint.function].append(touchpoint)
    return [(Function(code), items) for code, items in grouped.items()]


def projects_with_stages() -> list[Project]:
    return list(Project.objects.filter(is_active=True).prefetch_related("stages").order_by("code"))
