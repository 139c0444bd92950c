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


def second_factor_required(user, *, enrolled: bool) -> bool:
    """Whether the user must verify a one-time code before any page (issue 14, ASVS 2.7).

    Anyone who enrolled a device (leads and directors may opt in) verifies it; where the settings require it
    (`OTP_REQUIRED`, on in production), operations, HR and admins must enrol, since they move money and appraisals.
    """
    if enrolled:
        return True
    if not settings.OTP_REQUIRED:
        return False
    scope = scope_for(user)
    return scope.operations or scope.hr or scope.admin or bool(user.is_staff)
