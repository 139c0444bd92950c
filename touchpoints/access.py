"""The one place that answers "who may see or change what" (SPEC §1).

A user's `Scope` lists the units and cells they hold through assignments in force today, plus the company-wide
staff groups. Querysets elsewhere narrow themselves with `Scope.cell_q(...)`; views never decide access themselves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models import Q

from . import dates, pagecache
from .choices import STAFF_GROUP_NAMES, Role, StaffGroup
from .models import Assignment, Person


@dataclass(frozen=True)
class Scope:
    """What a signed-in user may see and change, as sets of ids and codes."""

    person: Person | None = None
    operations: bool = False
    hr: bool = False
    admin: bool = False
    led_cells: frozenset[tuple[int, str]] = field(default_factory=frozenset)  # (project id, function) they edit
    directed_projects: frozenset[int] = field(default_factory=frozenset)
    headed_functions: frozenset[str] = field(default_factory=frozenset)
    member_projects: frozenset[int] = field(default_factory=frozenset)
    member_functions: frozenset[str] = field(default_factory=frozenset)

    @property
    def sees_all(self) -> bool:
        """Operations, HR and admins read every cell (SPEC §1)."""
        return self.operations or self.hr or self.admin

    @property
    def roles(self) -> set[str]:
        roles = set()
        if self.led_cells:
            roles.add(Role.FUNCTIONAL_MANAGER)
        if self.directed_projects:
            roles.add(Role.PROJECT_DIRECTOR)
        if self.headed_functions:
            roles.add(Role.FUNCTION_HEAD)
        if self.member_projects or self.member_functions:
            roles.add(Role.TEAM_MEMBER)
        return roles

    def can_read_cell(self, project_id: int, function: str) -> bool:
        return (
            self.sees_all
            or (project_id, function) in self.led_cells
            or project_id in self.directed_projects
            or function in self.headed_functions
        )

    def can_edit_cell(self, project_id: int, function: str) -> bool:
        """Only the cell's functional manager ticks its self-check (issue: monthly self-checks)."""
        return (project_id, function) in self.led_cells

    def cell_q(self, project_field: str = "project", function_field: str = "function") -> Q:
        """A filter selecting the cells this user may read, for any model with a project and a function."""
        if self.sees_all:
            return Q()
        q = Q(pk__in=[])
        for project_id, function in self.led_cells:
            q |= Q(**{f"{project_field}_id": project_id, function_field: function})
        if self.directed_projects:
            q |= Q(**{f"{project_field}_id__in": self.directed_projects})
        if self.headed_functions:
            q |= Q(**{f"{function_field}__in": self.headed_functions})
        return q


def scope_for(user, on: dt.date | None = None) -> Scope:
    """Build the user's scope from their groups and the assignments in force on the date (default: today)."""
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return Scope()
    cached = getattr(user, "_touchpoint_scope", None)
    if cached is not None and on is None:
        return cached
    # Today's scope is kept in the cache until roles or assignments change (touchpoints.pagecache).
    key = pagecache.data_key("scope", user.pk) if on is None else None
    if key is not None:
        cached = cache.get(key)
        if cached is not None:
            user._touchpoint_scope = cached
            return cached
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
    if on is None:
        user._touchpoint_scope = scope
    if key is not None:
        cache.set(key, scope, settings.PAGE_CACHE_SECONDS)
    return scope


def is_operations(user) -> bool:
    scope = scope_for(user)
    return scope.operations or scope.admin


def is_hr(user) -> bool:
    scope = scope_for(user)
    return scope.hr or scope.admin


# -- rectifications (整改, SPEC §14) --------------------------------------------------------------------------------
# Who may see and act on rectifications and rectification plans. The rectification queryset narrows itself with
# `Scope.cell_q`, so a lead sees their cells, a director their project, a head their function, operations and HR all.


def inspection_team_functions(scope: Scope) -> frozenset[str]:
    """R5b: the functions whose cells this user inspects as an inspection-team member.

    Hook for the inspection team (R5b Decision): until a team is recorded, only operations inspect (and verify), so
    this is empty. A team member may verify rectifications of their function, never of a unit they are assessed in.
    """
    return frozenset(getattr(scope, "team_functions", frozenset()))


def can_read_rectifications(scope: Scope) -> bool:
    """Anyone with a unit or a staff group sees rectifications (narrowed to their cells by the queryset)."""
    return scope.sees_all or bool(scope.led_cells or scope.directed_projects or scope.headed_functions)


def can_run_rectification_register(scope: Scope) -> bool:
    """The register with its filters and its download: operations, HR (read-only) and admins."""
    return scope.sees_all


def can_submit_rectification(scope: Scope, *, project_id: int, function: str, responsible_id: int | None) -> bool:
    """The person it is assigned to, or whoever leads the cell now (a lead who took over)."""
    if scope.person is not None and scope.person.user_id is not None and scope.person.user_id == responsible_id:
        return True
    return (project_id, function) in scope.led_cells


def can_verify_every_rectification(scope: Scope) -> bool:
    """Operations (and admins) verify fixes in every cell."""
    return scope.operations or scope.admin


def can_verify_rectification(scope: Scope, *, project_id: int, function: str) -> bool:
    """SPEC §14: operations, or the function's inspection-team member — never on a unit they are assessed in (R5b)."""
    if can_verify_every_rectification(scope):
        return True
    assessed = (project_id, function) in scope.led_cells or project_id in scope.directed_projects
    return function in inspection_team_functions(scope) and not assessed and function not in scope.headed_functions


def is_own_rectification(*, user_id: int | None, responsible_id: int | None, submitted_by_id: int | None) -> bool:
    """Verifying one's own fix is refused: the one it was assigned to, or the one who submitted it."""
    return user_id is not None and user_id in {responsible_id, submitted_by_id}


def can_file_plan(scope: Scope, *, unit_kind: str, unit_code: str, project_id: int | None) -> bool:
    """SPEC §14: the project director files a project's plan, the function head a function's."""
    if unit_kind == "project":
        return project_id is not None and project_id in scope.directed_projects
    return unit_code in scope.headed_functions


def can_read_plan(scope: Scope, *, unit_kind: str, unit_code: str, project_id: int | None) -> bool:
    return scope.sees_all or can_file_plan(scope, unit_kind=unit_kind, unit_code=unit_code, project_id=project_id)


def can_acknowledge_plan(scope: Scope) -> bool:
    """Operations acknowledge a filed plan (SPEC §14)."""
    return scope.operations or scope.admin


def can_read_plans(scope: Scope) -> bool:
    """The plans list: operations, HR, directors and heads (the units that may be fined)."""
    return scope.sees_all or bool(scope.directed_projects or scope.headed_functions)
