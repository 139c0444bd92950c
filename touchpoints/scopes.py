"""How a user's groups and assignments become their access `Scope` (SPEC §1); registered with core.access."""

from __future__ import annotations

import datetime as dt

from core import dates
from core.access import Scope
from core.roles import STAFF_GROUP_NAMES, Role, StaffGroup

from .models import Assignment, Person


def scope_build(user, on: dt.date | None = None) -> Scope:
    """The scope of a signed-in user on the date (default today)."""
    group_names = {g.name for g in user.groups.all()}
    person = Person.objects.filter(user=user).first()
    led, directed, headed, member_p, member_f = set(), set(), set(), set(), set()
    if person is not None:
        for assignment in Assignment.objects.filter(person=person).current(on or dates.local_today()):
            if assignment.role == Role.FUNCTIONAL_MANAGER:
                led.add((assignment.project_id, assignment.function))
            elif assignment.role == Role.PROJECT_DIRECTOR:
                directed.add(assignment.project_id)
            elif assignment.role == Role.FUNCTION_HEAD:
                headed.add(assignment.function)
            elif assignment.project_id:
                member_p.add(assignment.project_id)
            else:
                member_f.add(assignment.function)
    scope = Scope(
        person=person,
        operations=STAFF_GROUP_NAMES[StaffGroup.OPERATIONS] in group_names,
        hr=STAFF_GROUP_NAMES[StaffGroup.HR] in group_names,
        admin=user.is_superuser,
        led_cells=frozenset(led),
        directed_projects=frozenset(directed),
        headed_functions=frozenset(headed),
        member_projects=frozenset(member_p),
        member_functions=frozenset(member_f),
    )
    return scope
