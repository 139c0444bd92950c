"""How a user's groups and assignments become their access `Scope` (SPEC §1); registered with core.access.

Every signed-in request builds a scope, so it is read in one statement: the person, their staff groups, the
assignments in force and the R5b inspection-team memberships in force, as (kind, text, id, function, extra) rows of
one UNION ALL. The SQL is written out because the ORM spent three times the database's time composing the same union
on every request (docs/performance.md); tests/touchpoints/test_scopes.py holds it to the same answers as the models.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection

from core import dates
from core.access import Scope
from core.roles import STAFF_GROUP_NAMES, Role, StaffGroup

from .models import Assignment, InspectionTeamMember, Person

PERSON, GROUP, ASSIGNMENT, TEAM = "person", "group", "assignment", "team"


@cache
def access_sql() -> str:
    """The statement, built from the models' table and column names once per process."""
    q = connection.ops.quote_name
    person, assignment, team = Person._meta.db_table, Assignment._meta.db_table, InspectionTeamMember._meta.db_table
    group, user_groups = Group._meta.db_table, get_user_model().groups.through._meta.db_table
    in_force = f"x.{q('start')} <= %s AND (x.{q('end')} IS NULL OR x.{q('end')} >= %s)"
    return (
        f"SELECT '{PERSON}', p.{q('name')}, p.{q('id')}, p.{q('employee_id')}, p.{q('email')} "  # nosec B608: names from the models
        f"FROM {q(person)} p WHERE p.{q('user_id')} = %s "
        f"UNION ALL SELECT '{GROUP}', g.{q('name')}, NULL, '', '' "
        f"FROM {q(group)} g JOIN {q(user_groups)} ug ON ug.{q('group_id')} = g.{q('id')} WHERE ug.{q('user_id')} = %s "
        f"UNION ALL SELECT '{ASSIGNMENT}', x.{q('role')}, x.{q('project_id')}, x.{q('function')}, '' "
        f"FROM {q(assignment)} x JOIN {q(person)} p ON p.{q('id')} = x.{q('person_id')} "
        f"WHERE p.{q('user_id')} = %s AND {in_force} "
        f"UNION ALL SELECT '{TEAM}', '', NULL, x.{q('function')}, '' "
        f"FROM {q(team)} x JOIN {q(person)} p ON p.{q('id')} = x.{q('person_id')} "
        f"WHERE p.{q('user_id')} = %s AND {in_force}"
    )


def scope_build(user, on: dt.date | None = None) -> Scope:
    """The scope of a signed-in user on the date (default today), in one query whatever their roles."""
    on = on or dates.local_today()
    with connection.cursor() as cursor:
        cursor.execute(access_sql(), [user.pk, user.pk, user.pk, on, on, user.pk, on, on])  # nosec B608: no user text
        rows = cursor.fetchall()
    person = None
    group_names: set[str] = set()
    led, directed, headed, member_p, member_f = set(), set(), set(), set(), set()
    inspected: set[str] = set()  # R5b: the functions this person inspects as an inspection-team member
    for kind, text, number, function, extra in rows:
        if kind == PERSON:
            read = {"id": number, "name": text, "employee_id": function, "email": extra, "user_id": user.pk}
            fields = [f.attname for f in Person._meta.concrete_fields]  # from_db takes them in the model's order
            person = Person.from_db(connection.alias, fields, [read[name] for name in fields])
        elif kind == GROUP:
            group_names.add(text)
        elif kind == TEAM:
            inspected.add(function)
        elif text == Role.FUNCTIONAL_MANAGER:
            led.add((number, function))
        elif text == Role.PROJECT_DIRECTOR:
            directed.add(number)
        elif text == Role.FUNCTION_HEAD:
            headed.add(function)
        elif number:
            member_p.add(number)
        else:
            member_f.add(function)
    return Scope(
        person=person,
        operations=STAFF_GROUP_NAMES[StaffGroup.OPERATIONS] in group_names,
        hr=STAFF_GROUP_NAMES[StaffGroup.HR] in group_names,
        admin=user.is_superuser,
        led_cells=frozenset(led),
        directed_projects=frozenset(directed),
        headed_functions=frozenset(headed),
        member_projects=frozenset(member_p),
        member_functions=frozenset(member_f),
        inspected_functions=frozenset(inspected),
    )
