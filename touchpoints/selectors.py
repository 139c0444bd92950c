"""Reads of the catalogue and the organisation for pages."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Collection

from django.db.models import Count, Q, QuerySet

from core import dates
from core.access import Scope

from .choices import Function, Role
from .models import Assignment, Project, Touchpoint


def applicable_counts(project_ids: Collection[int] | QuerySet | None) -> dict[tuple[int, str], int]:
    """Active touchpoints per (project, function) whose stage is active in the project now — two small queries (the
    catalogue counted per stage and function, the projects' stages) combined here: cheaper than joining them per
    project. `project_ids` is a set of ids, a queryset of project ids (a subquery), or None for every project (a page
    of nearly every project: the stages read whole, no filter to build or run)."""
    if project_ids is not None and not isinstance(project_ids, QuerySet) and not project_ids:
        return {}
    per_stage: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for stage_id, function, n in (
        Touchpoint.objects.active().order_by().values_list("stage_id", "function").annotate(n=Count("*"))
    ):
        per_stage[stage_id].append((function, n))
    stages: dict[int, list[int]] = defaultdict(list)
    links = Project.stages.through.objects.order_by()
    if project_ids is not None:
        links = links.filter(project_id__in=project_ids)
    for project_id, stage_id in links.values_list("project_id", "stage_id"):
        stages[project_id].append(stage_id)
    # Projects share a few combinations of stages: each combination is summed once.
    by_stages: dict[tuple[int, ...], dict[str, int]] = {}
    counts: dict[tuple[int, str], int] = {}
    for project_id, ids in stages.items():
        key = tuple(sorted(ids))
        per_function = by_stages.get(key)
        if per_function is None:
            per_function = by_stages[key] = Counter()
            for stage_id in key:
                for function, n in per_stage.get(stage_id, ()):
                    per_function[function] += n
        for function, n in per_function.items():
            counts[(project_id, function)] = n
    return counts


def person_assignments(*, scope: Scope, today: dt.date | None = None) -> list[Assignment]:
    if not scope.is_assessed:
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


def catalogue_by_function(*, query: str = "") -> list[tuple[Function, list[Touchpoint]]]:
    """The active catalogue grouped by function, in one query; `query` narrows it to touchpoints whose code, name,
    stage, standard action, check method or deliverable contains the words (every word must match)."""
    grouped: dict[str, list[Touchpoint]] = {f: [] for f in Function.values}
    touchpoints = Touchpoint.objects.active()
    for word in query.split():
        touchpoints = touchpoints.filter(
            Q(code__icontains=word)
            | Q(name__icontains=word)
            | Q(stage__name__icontains=word)
            | Q(standard_action__icontains=word)
            | Q(check_method__icontains=word)
            | Q(deliverable__icontains=word)
        )
    for touchpoint in touchpoints.select_related("stage", "level").order_by("stage__order", "code"):
        grouped[touchpoint.function].append(touchpoint)
    return [(Function(code), items) for code, items in grouped.items()]


def projects_with_stages() -> list[Project]:
    return list(Project.objects.filter(is_active=True).prefetch_related("stages").order_by("code"))
