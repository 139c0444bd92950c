"""Writes to the catalogue and the organisation. Every write records who made it (django-simple-history)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import transaction

from core import dates

from .choices import ROLE_GROUP_NAMES, STAFF_GROUP_NAMES, Function
from .models import Assignment, Level, Person, Project, Stage, Touchpoint
from .spreadsheets import CataloguePlan, OrgPlan

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
DEFAULT_CATALOGUE = FIXTURES / "catalogue.json"


def _save(instance: Any, user: AbstractBaseUser | None, reason: str) -> None:
    """Save with the history record naming who changed it and why."""
    if user is not None:
        instance._history_user = user
    instance._change_reason = reason
    instance.save()


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    unchanged: int


@transaction.atomic
def catalogue_import(*, plan: CataloguePlan, user: AbstractBaseUser | None = None, reason: str = "导入触点目录") -> ImportSummary:
    """Apply a validated catalogue plan: add new touchpoints, update changed ones, never delete (SPEC §10)."""
    for row in plan.creates:
        touchpoint = Touchpoint(code=row.code, function=row.function, stage=row.stage, level=row.level, **row.values)
        _save(touchpoint, user, reason)
    for row, touchpoint, _changes in plan.updates:
        touchpoint.stage = row.stage
        touchpoint.level = row.level
        touchpoint.is_active = True
        for name, value in row.values.items():
            setattr(touchpoint, name, value)
        _save(touchpoint, user, reason)
    return ImportSummary(created=len(plan.creates), updated=len(plan.updates), unchanged=plan.unchanged)


def ensure_groups() -> dict[str, Group]:
    """The auth groups that carry roles (SPEC §1). Idempotent."""
    names = list(ROLE_GROUP_NAMES.values()) + list(STAFF_GROUP_NAMES.values())
    return {name: Group.objects.get_or_create(name=name)[0] for name in names}


def person_sync_groups(*, person: Person, on: dt.date | None = None) -> None:
    """Give the person's user exactly the role groups of the assignments in force on the date (staff groups kept)."""
    if person.user_id is None:
        return
    on = on or dates.local_today()
    groups = ensure_groups()
    roles = set(person.assignments.current(on).values_list("role", flat=True))
    user = person.user
    for role, name in ROLE_GROUP_NAMES.items():
        if role in roles:
            user.groups.add(groups[name])
        else:
            user.groups.remove(groups[name])


def user_for_person(person: Person, username: str | None = None) -> Any:
    """The login of a person: theirs if linked, else one created (named by the username given or their employee id)."""
    User = get_user_model()
    if person.user_id:
        return person.user
    user, _created = User.objects.get_or_create(
        username=username or person.employee_id,
        defaults={"email": person.email, "first_name": person.name},
    )
    if _created:
        user.set_unusable_password()
        user.save()
    person.user = user
    person.save(update_fields=["user"])
    return user


@transaction.atomic
def org_import(*, plan: OrgPlan, user: AbstractBaseUser | None = None, reason: str = "导入组织架构") -> dict[str, int]:
    """Apply a validated organisation plan: add or update projects, people (by 工号) and their assignments."""
    counts = {"projects": 0, "people": 0, "assignments": 0}
    for row in plan.projects:
        project = Project.objects.filter(code=row.code).first() or Project(code=row.code)
        project.name = row.name
        _save(project, user, reason)
        project.stages.set(row.stages)
        counts["projects"] += 1
    projects = {p.code: p for p in Project.objects.all()}
    people: dict[str, Person] = {}
    for row in plan.assignments:
        person = people.get(row.employee_id)
        if person is None:
            person = Person.objects.filter(employee_id=row.employee_id).first() or Person(employee_id=row.employee_id)
            if person.pk is None or (person.name, person.email) != (row.name, row.email):
                person.name, person.email = row.name, row.email
                _save(person, user, reason)
                counts["people"] += 1
            user_for_person(person)
            people[row.employee_id] = person
        project = projects[row.project_code] if row.project_code else None
        assignment = Assignment.objects.filter(
            person=person, role=row.role, project=project, function=row.function, start=row.start
        ).first()
        if assignment is None:
            assignment = Assignment(person=person, role=row.role, project=project, function=row.function, start=row.start)
        elif assignment.end == row.end:
            continue
        assignment.end = row.end
        _save(assignment, user, reason)
        counts["assignments"] += 1
    for person in people.values():
        person_sync_groups(person=person)
    return counts


@transaction.atomic
def catalogue_load_default(*, path: Path = DEFAULT_CATALOGUE) -> ImportSummary:
    """Load the default catalogue shipped in fixtures/ (SPEC §13): stages, levels, touchpoints. Safe to run twice.

    Existing touchpoints are left as they are, so an admin's edits survive a second run.
    """
    data = json.loads(path.read_text(encoding="utf-8"))
    stages = {}
    for order, name in enumerate(data["stages"], start=1):
        stages[name] = Stage.objects.get_or_create(name=name, defaults={"order": order})[0]
    levels = {}
    for rank, item in enumerate(data["levels"], start=1):
        levels[item["name"]] = Level.objects.get_or_create(name=item["name"], defaults={"rank": rank, "weight": item["weight"]})[
            0
        ]
    existing = set(Touchpoint.objects.values_list("code", flat=True))
    created = 0
    for item in data["touchpoints"]:
        if item["code"] in existing:
            continue
        Function(item["function"])  # an unknown function in the fixture is a bug: fail loudly
        touchpoint = Touchpoint(
            code=item["code"],
            function=item["function"],
            stage=stages[item["stage"]],
            level=levels[item["level"]],
            name=item["name"],
            standard_action=item.get("standard_action", ""),
            check_method=item.get("check_method", ""),
            deliverable=item.get("deliverable", ""),
            responsible_dept=item.get("responsible_dept", ""),
            assisting_dept=item.get("assisting_dept", ""),
        )
        _save(touchpoint, None, "默认触点目录")
        created += 1
    return ImportSummary(created=created, updated=0, unchanged=len(existing))
