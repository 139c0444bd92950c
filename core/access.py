"""The one place that answers "who may see or change what" (SPEC §1).

A user's `Scope` lists the units and cells they hold through assignments in force today, plus the company-wide staff
groups. Every role test is a named predicate here (`can_operate`, `reads_board`, `can_read_hr`, ...); every model that
needs narrowing has a `for_scope(scope, action)` queryset method built on the filters here (`cell_q`, `led_q`,
`board_q`), and every "this object or a 404" getter is named `get_<thing>_for(*, scope, pk, action)`. Views, selectors
and services never spell out a role test of their own.

The facts a scope is made of (who holds which assignment) belong to the organisation, which sits above this package:
the touchpoints app registers the function that builds a scope (`register_scope_builder`, from its AppConfig.ready).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from .roles import Role

# What a user wants to do with a record: read it, change it as its owner (the cell's lead fills a self-check), or
# run the process on it as operations do (inspect, reopen, import).
Action = Literal["view", "edit", "operate"]
VIEW: Action = "view"
EDIT: Action = "edit"
OPERATE: Action = "operate"


@dataclass(frozen=True)
class Scope:
    """What a signed-in user may see and change, as sets of ids and codes."""

    person: Any = None  # the touchpoints Person, or None
    operations: bool = False
    hr: bool = False
    admin: bool = False
    led_cells: frozenset[tuple[int, str]] = field(default_factory=frozenset)  # (project id, function) they edit
    directed_projects: frozenset[int] = field(default_factory=frozenset)
    headed_functions: frozenset[str] = field(default_factory=frozenset)
    member_projects: frozenset[int] = field(default_factory=frozenset)
    member_functions: frozenset[str] = field(default_factory=frozenset)
    # R5b: the functions whose inspection cells this user judges as an inspection-team member.
    inspected_functions: frozenset[str] = field(default_factory=frozenset)

    # -- who this is ------------------------------------------------------------------------------------------------

    @property
    def can_operate(self) -> bool:
        """Operations (and admins) run the process: inspections, reopening, publication, the sent log (R5b, SPEC §1)."""
        return self.operations or self.admin

    @property
    def can_read_hr(self) -> bool:
        """HR (and admins) read the money side: rewards, caps, HR's exports (SPEC §1, §7)."""
        return self.hr or self.admin

    @property
    def sees_all(self) -> bool:
        """Operations, HR and admins read every cell (SPEC §1)."""
        return self.operations or self.hr or self.admin

    @property
    def leads_cells(self) -> bool:
        """A functional manager of at least one cell today: they fill its self-check (R8)."""
        return bool(self.led_cells)

    @property
    def follows_units(self) -> bool:
        """A project director or a function head: they follow their units' cells without editing them."""
        return bool(self.directed_projects or self.headed_functions)

    @property
    def reads_board(self) -> bool:
        """The inspection board and the discrepancy list: company-wide readers, directors, heads and inspection-team
        members (R5b) — each for their own cells."""
        return self.sees_all or self.follows_units or bool(self.inspected_functions)

    @property
    def inspects(self) -> bool:
        """Someone who records inspection verdicts: operations (every cell) or an R5b team member (their function)."""
        return self.can_operate or bool(self.inspected_functions)

    def can_judge_function(self, function: str) -> bool:
        """R5b: operations judge every cell; an inspection-team member only the cells of their function."""
        return self.can_operate or function in self.inspected_functions

    @property
    def reads_rectifications(self) -> bool:
        """Rectifications (SPEC §14): company-wide readers, leads, directors and heads (narrowed to their cells)."""
        return self.sees_all or self.leads_cells or self.follows_units or bool(self.inspected_functions)

    @property
    def is_assessed(self) -> bool:
        """Someone with a person record: assessed, so they see their own results and rewards."""
        return self.person is not None

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

    # -- narrowed views of the same person --------------------------------------------------------------------------

    def as_lead(self) -> Scope:
        """Only the cells they lead, not those they read as a director, a head or a company-wide reader."""
        return Scope(person=self.person, led_cells=self.led_cells)

    def as_follower(self) -> Scope:
        """Only what they follow as a director, a head or a company-wide reader, not the cells they lead."""
        return Scope(
            person=self.person,
            operations=self.operations,
            hr=self.hr,
            admin=self.admin,
            directed_projects=self.directed_projects,
            headed_functions=self.headed_functions,
        )

    # -- one cell ---------------------------------------------------------------------------------------------------

    def can_read_cell(self, project_id: int, function: str) -> bool:
        return (
            self.sees_all
            or (project_id, function) in self.led_cells
            or project_id in self.directed_projects
            or function in self.headed_functions
            or function in self.inspected_functions
        )

    def can_edit_cell(self, project_id: int, function: str) -> bool:
        """Only the cell's functional manager ticks its self-check (R8)."""
        return (project_id, function) in self.led_cells

    def reads_board_cell(self, project_id: int, function: str) -> bool:
        """A board reader sees every cell (sees_all), their projects' cells (director) or their function's (head, R5b
        team member)."""
        return (
            self.sees_all
            or project_id in self.directed_projects
            or function in self.headed_functions
            or function in self.inspected_functions
        )

    def allows_cell(self, action: Action, project_id: int, function: str) -> bool:
        """`cell_action_q` for one record already read: "view" is `can_read_cell`, "edit" `can_edit_cell`, "operate"
        `can_operate`. A page that reads one record by its key checks it here, rather than building the scope's
        filter into its query."""
        if action == VIEW:
            return self.can_read_cell(project_id, function)
        if action == EDIT:
            return self.can_edit_cell(project_id, function)
        if action == OPERATE:
            return self.can_operate
        raise ValueError(f"unknown action {action!r}")

    # -- the same tests as query filters ----------------------------------------------------------------------------

    def cell_q(self, project_field: str = "project", function_field: str = "function") -> Q:
        """The cells this user may read (`can_read_cell`), for any model with a project and a function."""
        if self.sees_all:
            return Q()
        q = self.led_q(project_field, function_field)
        if self.directed_projects:
            q |= Q(**{f"{project_field}_id__in": self.directed_projects})
        if self.headed_functions or self.inspected_functions:
            q |= Q(**{f"{function_field}__in": self.headed_functions | self.inspected_functions})
        return q

    def led_q(self, project_field: str = "project", function_field: str = "function") -> Q:
        """The cells this user edits (`can_edit_cell`): only those they are the functional manager of."""
        q = Q(pk__in=[])
        for project_id, function in self.led_cells:
            q |= Q(**{f"{project_field}_id": project_id, function_field: function})
        return q

    def board_q(self, project_field: str = "project", function_field: str = "function") -> Q:
        """The cells a board reader sees (`reads_board_cell`)."""
        if self.sees_all:
            return Q()
        q = Q(pk__in=[])
        if self.directed_projects:
            q |= Q(**{f"{project_field}_id__in": self.directed_projects})
        if self.headed_functions or self.inspected_functions:
            q |= Q(**{f"{function_field}__in": self.headed_functions | self.inspected_functions})
        return q

    def judge_q(self, function_field: str = "function") -> Q:
        """The cells whose verdicts this user records (`can_judge_function`): every cell for operations, their
        function's for an R5b team member."""
        if self.can_operate:
            return Q()
        if self.inspected_functions:
            return Q(**{f"{function_field}__in": self.inspected_functions})
        return Q(pk__in=[])

    def operate_q(self) -> Q:
        """Every record for those who run the process (`can_operate`), none for anyone else."""
        return Q() if self.can_operate else Q(pk__in=[])

    def cell_action_q(self, action: Action, project_field: str = "project", function_field: str = "function") -> Q:
        """`for_scope` of a cell's records: "view" is `cell_q`, "edit" is `led_q`, "operate" is `operate_q`."""
        if action == VIEW:
            return self.cell_q(project_field, function_field)
        if action == EDIT:
            return self.led_q(project_field, function_field)
        if action == OPERATE:
            return self.operate_q()
        raise ValueError(f"unknown action {action!r}")


NO_SCOPE = Scope()

ScopeBuilder = Callable[[Any, dt.date | None], Scope]
_builder: ScopeBuilder | None = None


def register_scope_builder(builder: ScopeBuilder) -> None:
    """The organisation app says how a user's assignments become a scope (called once, from AppConfig.ready)."""
    global _builder
    _builder = builder


def scope_for(user, on: dt.date | None = None) -> Scope:
    """The user's scope from their groups and the assignments in force on the date (default: today)."""
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return NO_SCOPE
    cached = getattr(user, "_touchpoint_scope", None)
    if cached is not None and on is None:
        return cached
    if _builder is None:
        raise RuntimeError("no scope builder registered (is the touchpoints app installed?)")
    scope = _builder(user, on)
    if on is None:
        user._touchpoint_scope = scope
    return scope


# -- rectifications (整改, SPEC §14) ------------------------------------------------------------------------------------
# Who may see and act on rectifications and rectification plans. The rectification queryset narrows itself with
# `Scope.cell_q`, so a lead sees their cells, a director their project, a head their function, operations and HR all.


def inspection_team_functions(scope: Scope) -> frozenset[str]:
    """R5b: the functions whose cells this user inspects as an inspection-team member.

    A team member may verify rectifications of their function, never of a unit they are assessed in.
    """
    return scope.inspected_functions


def can_read_rectifications(scope: Scope) -> bool:
    """Anyone with a unit or a staff group sees rectifications (narrowed to their cells by the queryset)."""
    return scope.reads_rectifications


def can_run_rectification_register(scope: Scope) -> bool:
    """The register's download: operations, HR (read-only) and admins."""
    return scope.sees_all


def can_submit_rectification(scope: Scope, *, project_id: int, function: str, responsible_id: int | None) -> bool:
    """The person it is assigned to, or whoever leads the cell now (a lead who took over)."""
    user_id = getattr(scope.person, "user_id", None)
    if user_id is not None and user_id == responsible_id:
        return True
    return scope.can_edit_cell(project_id, function)


def can_verify_every_rectification(scope: Scope) -> bool:
    """Operations (and admins) verify fixes in every cell."""
    return scope.can_operate


def can_verify_rectification(scope: Scope, *, project_id: int, function: str) -> bool:
    """SPEC §14: operations, or the function's inspection-team member — never on a unit they are assessed in (R5b)."""
    if can_verify_every_rectification(scope):
        return True
    assessed = project_id in {project for project, _ in scope.led_cells} or project_id in scope.directed_projects
    return function in inspection_team_functions(scope) and not assessed and function not in scope.headed_functions


def is_own_rectification(*, user_id: int | None, responsible_id: int | None, submitted_by_id: int | None) -> bool:
    """Verifying one's own fix is refused: the one it was assigned to, or the one who submitted it."""
    return user_id is not None and user_id in {responsible_id, submitted_by_id}


def can_file_plan(scope: Scope, *, unit_kind: str, unit_code: str, project_id: int | None) -> bool:
    """SPEC §14: the project director files a project's plan, the function head a function's."""
    if unit_kind == "project":
        return project_id is not None and project_id in scope.directed_projects
    return unit_code in scope.headed_functions


def can_read_plans(scope: Scope) -> bool:
    """The plans list: operations, HR, directors and heads (the units that may be fined)."""
    return scope.sees_all or scope.follows_units


def can_acknowledge_plan(scope: Scope) -> bool:
    """Operations acknowledge a filed plan (SPEC §14)."""
    return scope.can_operate


def second_factor_required(user, *, enrolled: bool) -> bool:
    """Whether the user must verify a one-time code before any page (ASVS 2.7).

    Anyone who enrolled a device (leads and directors may opt in) verifies it; where the settings require it
    (`OTP_REQUIRED`, on in production), operations, HR and admins must enrol, since they move money and appraisals.
    """
    if enrolled:
        return True
    if not settings.OTP_REQUIRED:
        return False
    scope = scope_for(user)
    return scope.sees_all or bool(user.is_staff)
