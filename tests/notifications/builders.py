"""Small builders for the reminder tests: self-checks and inspections built with the ORM."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from audits.choices import SelfCheckState
from audits.item_summary import selfcheck_store_item_summary
from audits.models import SelfCheck, SelfCheckItem
from tests.factories import AssignmentFactory
from touchpoints.choices import Role
from touchpoints.models import Assignment, Project


def selfcheck(project: Project, function: str, year: int, month: int, *, submitted: bool = False, items: int = 1) -> SelfCheck:
    """A self-check of the cell with ``items`` items, open unless ``submitted``."""
    check = SelfCheck.objects.create(
        project=project,
        function=function,
        year=year,
        month=month,
        state=SelfCheckState.SUBMITTED if submitted else SelfCheckState.OPEN,
        submitted_at=timezone.now() if submitted else None,
    )
    for n in range(items):
        SelfCheckItem.objects.create(
            selfcheck=check, code=f"{function[:3].upper()}-{n:02d}", name=f"触点{n}", level_name="一级", weight=3
        )
    return selfcheck_store_item_summary(selfcheck=check)  # as generation stores it (audits.item_summary)


def lead_of(project: Project, function: str, *, start: dt.date = dt.date(2024, 1, 1), end: dt.date | None = None, **person):
    """A new functional manager of the cell (with a login)."""
    return AssignmentFactory(
        role=Role.FUNCTIONAL_MANAGER,
        project=project,
        function=function,
        start=start,
        end=end,
        **{f"person__{k}": v for k, v in person.items()},
    ).person


def leads_in_force(cells, on: dt.date) -> set[str]:
    """Usernames of the functional managers of these (project id, function) cells on the date."""
    names = set()
    for project_id, function in cells:
        names |= set(
            Assignment.objects.current(on)
            .filter(role=Role.FUNCTIONAL_MANAGER, project_id=project_id, function=function, person__user__isnull=False)
            .values_list("person__user__username", flat=True)
        )
    return names


def deliver():
    """Run the outbox as the worker does after commit (the test's transaction never commits; SPEC §7)."""
    from notifications.delivery import outbox_deliver

    return outbox_deliver()
