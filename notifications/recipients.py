"""Who is told and how a message points at its page: helpers for the apps that own an event (SPEC §9).

The app that owns an event decides what to send (audits' reminders, scoring's publication reminder) and calls
``notify`` with these helpers; this package only delivers.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from touchpoints.choices import STAFF_GROUP_NAMES, Function, Role, StaffGroup
from touchpoints.models import Assignment, Project

Cell = tuple[int, str]  # (project id, function code)


# -- helpers: recipients, links, labels ----------------------------------------------------------------------------


def operations_users() -> list:
    """SPEC §1: the operations staff (auth group 运营管理部), active accounts only."""
    User = get_user_model()
    return list(
        User.objects.filter(groups__name=STAFF_GROUP_NAMES[StaffGroup.OPERATIONS], is_active=True).distinct().order_by("pk")
    )


def cell_leads(*, cells: Iterable[Cell], on: dt.date) -> dict[Cell, list[Assignment]]:
    """The functional managers of each cell in force on the date, with an active login (one query).

    SPEC §3: a functional manager belongs to the project unit and names the function (the cell) they lead.
    """
    wanted = set(cells)
    if not wanted:
        return {}
    assignments = (
        Assignment.objects.current(on)
        .filter(
            role=Role.FUNCTIONAL_MANAGER,
            project_id__in={project_id for project_id, _function in wanted},
            person__user__isnull=False,
            person__user__is_active=True,
        )
        .select_related("person__user")
        .order_by("person__employee_id", "pk")
    )
    leads: dict[Cell, list[Assignment]] = defaultdict(list)
    for assignment in assignments:
        cell = (assignment.project_id, assignment.function)
        if cell in wanted:
            leads[cell].append(assignment)
    return dict(leads)


def first_url(*candidates: tuple[str, tuple[Any, ...]], query: str = "") -> str:
    """The first of the named pages that exists (apps add their pages over time), else the home page."""
    for name, args in candidates:
        try:
            return reverse(name, args=args) + (f"?{query}" if query else "")
        except NoReverseMatch:
            continue
    return reverse("home")


def cell_label(project: Project, function: str) -> str:
    return _("{project} · {function}").format(project=project.name, function=Function(function).label)


def bullet_lines(items: Iterable[str]) -> str:
    return "\n".join(f"- {item}" for item in items)
