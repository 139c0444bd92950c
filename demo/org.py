"""The demo organisation for `seed_demo`: the default catalogue, the demo projects and people, one login per person
(SPEC §13). Demo data only; production code never imports this package."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from touchpoints.choices import STAFF_GROUP_NAMES, Function, Role, StaffGroup
from touchpoints.models import Assignment, Person, Project, Stage
from touchpoints.services import FIXTURES, catalogue_load_default, ensure_groups, person_sync_groups, user_for_person

DEMO_ORG = FIXTURES / "demo_org.json"

# The documented password of the demo logins (README), not a secret.
DEMO_PASSWORD = "demo12345"  # nosec B105


@dataclass(frozen=True)
class DemoLogin:
    username: str
    name: str
    role: str


@transaction.atomic
def demo_seed(*, path: Path = DEMO_ORG, password: str = DEMO_PASSWORD) -> list[DemoLogin]:
    """The default catalogue plus the demo organisation, one login per person and an admin. Safe to run twice."""
    catalogue_load_default()
    groups = ensure_groups()
    data = json.loads(path.read_text(encoding="utf-8"))
    stages = {s.name: s for s in Stage.objects.all()}
    for item in data["projects"]:
        project, created = Project.objects.get_or_create(code=item["code"], defaults={"name": item["name"]})
        if created:
            project.stages.set([stages[name] for name in item["stages"]])
    User = get_user_model()
    logins: list[DemoLogin] = []
    for item in data["people"]:
        person, _created = Person.objects.get_or_create(
            employee_id=item["employee_id"], defaults={"name": item["name"], "email": item["email"]}
        )
        user = user_for_person(person, username=item["username"])
        if not user.has_usable_password() or _created:
            user.set_password(password)
            user.save()
        for spec in item.get("assignments", []):
            project = Project.objects.get(code=spec["unit"]) if spec["unit"] not in Function.values else None
            function = spec.get("function") or (spec["unit"] if project is None else "")
            Assignment.objects.get_or_create(
                person=person,
                role=spec["role"],
                project=project,
                function=function,
                start=dt.date.fromisoformat(spec["start"]),
                defaults={"end": dt.date.fromisoformat(spec["end"]) if spec.get("end") else None},
            )
        if item.get("staff_group"):
            user.groups.add(groups[STAFF_GROUP_NAMES[StaffGroup(item["staff_group"])]])
        person_sync_groups(person=person)
        roles = [Role(a["role"]).label for a in item.get("assignments", [])]
        if item.get("staff_group"):
            roles.append(StaffGroup(item["staff_group"]).label)
        logins.append(DemoLogin(username=user.username, name=person.name, role="、".join(str(r) for r in dict.fromkeys(roles))))
    admin, created = User.objects.get_or_create(username="admin", defaults={"is_staff": True, "is_superuser": True})
    if created:
        admin.set_password(password)
        admin.save()
    logins.insert(0, DemoLogin(username="admin", name="系统管理员", role="管理员"))
    return logins
