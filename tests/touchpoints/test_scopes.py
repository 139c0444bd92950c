"""The scope of a signed-in user is read in one statement (touchpoints.scopes): it must give exactly what the models
say, for every mix of groups, assignments (current, ended, not yet started) and R5b team memberships."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.access import scope_for
from tests.factories import PersonFactory, ProjectFactory, UserFactory
from touchpoints.choices import STAFF_GROUP_NAMES, Function, Role, StaffGroup
from touchpoints.models import Assignment, InspectionTeamMember
from touchpoints.scopes import scope_build
from touchpoints.services import ensure_groups

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 1)
SPANS = {  # start, end relative to TODAY: in force, ended, not started yet, open-ended, ends today, starts today
    "current": (dt.date(2026, 1, 1), None),
    "ended": (dt.date(2025, 1, 1), dt.date(2026, 11, 30)),
    "future": (dt.date(2026, 12, 2), None),
    "ends_today": (dt.date(2026, 1, 1), TODAY),
    "starts_today": (TODAY, dt.date(2027, 1, 1)),
}
IN_FORCE = {"current", "ends_today", "starts_today"}
ROLE_NEEDS = {  # which unit each role is held in
    Role.FUNCTIONAL_MANAGER: ("project", "function"),
    Role.PROJECT_DIRECTOR: ("project",),
    Role.FUNCTION_HEAD: ("function",),
    Role.TEAM_MEMBER: ("project",),
}

assignment = st.tuples(
    st.sampled_from(list(ROLE_NEEDS)),
    st.integers(0, 1),
    st.sampled_from([f.value for f in Function]),
    st.sampled_from(list(SPANS)),
)
membership = st.tuples(st.sampled_from([f.value for f in Function]), st.sampled_from(list(SPANS)))


def expected(person, user, projects) -> dict:
    """The reference: the same scope read model by model."""
    groups = set(user.groups.values_list("name", flat=True))
    rows = Assignment.objects.filter(person=person).current(TODAY)
    team = InspectionTeamMember.objects.filter(person=person).current(TODAY)
    return {
        "operations": STAFF_GROUP_NAMES[StaffGroup.OPERATIONS] in groups,
        "hr": STAFF_GROUP_NAMES[StaffGroup.HR] in groups,
        "led_cells": {(a.project_id, a.function) for a in rows if a.role == Role.FUNCTIONAL_MANAGER},
        "directed_projects": {a.project_id for a in rows if a.role == Role.PROJECT_DIRECTOR},
        "headed_functions": {a.function for a in rows if a.role == Role.FUNCTION_HEAD},
        "member_projects": {a.project_id for a in rows if a.role == Role.TEAM_MEMBER and a.project_id},
        "inspected_functions": set(team.values_list("function", flat=True)),
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    assignments=st.lists(assignment, max_size=5),
    memberships=st.lists(membership, max_size=3),
    staff=st.sets(st.sampled_from([StaffGroup.OPERATIONS, StaffGroup.HR])),
)
def test_the_one_statement_scope_matches_the_models(assignments, memberships, staff) -> None:
    ensure_groups()
    projects = [ProjectFactory(code="GG"), ProjectFactory(code="HK")]
    person = PersonFactory()
    Assignment.objects.filter(person=person).delete()
    InspectionTeamMember.objects.filter(person=person).delete()
    person.user.groups.set([Group.objects.get(name=STAFF_GROUP_NAMES[g]) for g in staff])
    for role, project, function, span in assignments:
        start, end = SPANS[span]
        needs = ROLE_NEEDS[role]
        Assignment.objects.get_or_create(
            person=person,
            role=role,
            project=projects[project] if "project" in needs else None,
            function=function if "function" in needs else "",
            start=start,
            defaults={"end": end},
        )
    for function, span in memberships:
        start, end = SPANS[span]
        InspectionTeamMember.objects.get_or_create(person=person, function=function, start=start, defaults={"end": end})

    scope = scope_build(person.user, TODAY)

    want = expected(person, person.user, projects)
    got = {key: getattr(scope, key) for key in want}
    assert {k: set(v) if isinstance(v, frozenset) else v for k, v in got.items()} == want
    assert scope.person == person and scope.person.name == person.name and scope.person.email == person.email


def test_a_user_without_a_person_has_staff_groups_only_and_one_query(django_assert_num_queries) -> None:
    ensure_groups()
    user = UserFactory()
    user.groups.add(Group.objects.get(name=STAFF_GROUP_NAMES[StaffGroup.HR]))
    with django_assert_num_queries(1):
        scope = scope_for(user)
    assert scope.person is None and scope.hr and not scope.operations and not scope.led_cells


def test_the_person_read_with_the_scope_behaves_as_one_read_by_the_orm() -> None:
    person = PersonFactory(name="杨帆")
    scope = scope_build(person.user, TODAY)
    assert scope.person.pk == person.pk and not scope.person._state.adding
    scope.person.name = "杨帆(改)"
    scope.person.save(update_fields=["name"])  # an update, not an insert
    person.refresh_from_db()
    assert person.name == "杨帆(改)"
