"""Rectification plans (整改方案, SPEC §14) of the units fined under R13: opened by publication, filed by the unit's
director or head, acknowledged by operations; their home panel, reminders and the register's 整改方案 sheet.

Lives in scoring because publication triggers it; it reads audits (the rectification policy and upload checks) and
never the other way round. Scores never change: a plan touches no published result.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audits.rectifications import rules
from audits.rectifications.jobs import every_day
from audits.rectifications.selectors import unit_counts
from audits.rectifications.services import operations_user, policy_days
from audits.selfchecks.uploads import deliverable_check
from core import access, dates
from core.access import Scope
from core.home import Panel
from core.jobs import REMINDER_TIME, JobResult, PeriodicJob, register_job
from core.xlsx import Column, Sheet
from notifications.choices import NotificationKind
from notifications.services import notify_later
from touchpoints.choices import STAFF_GROUP_NAMES, Role, StaffGroup
from touchpoints.models import Assignment, Project

from .choices import UnitKind
from .models import PlanState, QuarterResult, RectificationPlan

PLAN_SHEET = "整改方案"
PLAN_COLUMNS = ("季度", "考核单元", "负责人", "截止日期", "状态", "提交日期")
PLAN_STATE_LABELS = {PlanState.PENDING: "待提交", PlanState.SUBMITTED: "已提交", PlanState.ACKNOWLEDGED: "已确认"}
PLAN_KIND = {
    rules.Reminder.DUE_SOON: NotificationKind.PLAN_DUE_SOON,
    rules.Reminder.DUE: NotificationKind.PLAN_DUE,
    rules.Reminder.ESCALATED: NotificationKind.PLAN_ESCALATED,
}


def plan_period(plan: RectificationPlan) -> str:
    """What a plan's notification is about, unique per plan: "2026Q1 engineering" (quarter and unit code)."""
    return f"{plan.period} {plan.unit_code[:30]}"


class PlanRefused(Exception):
    """A step the rules forbid; nothing was changed."""


# -- owners ---------------------------------------------------------------------------------------------------------


# (user id, role, project code or None, function, start, end) of an assignment whose person signs in.
AssignmentLine = tuple[int, str, str | None, str, dt.date, dt.date | None]


def plan_owner_lines(*, on: dt.date) -> QuerySet:
    """The directors and heads in force on the date whose person signs in, as `AssignmentLine`s (publication reads
    them with the people it notifies, in one query)."""
    return (
        Assignment.objects.current(on)
        .filter(role__in=[Role.PROJECT_DIRECTOR, Role.FUNCTION_HEAD])
        .filter(person__user__isnull=False, person__user__is_active=True)
    )


def assignment_lines(queryset: QuerySet) -> list[AssignmentLine]:
    return list(
        queryset.values_list("person__user_id", "role", "project__code", "function", "start", "end").order_by(
            "person__employee_id", "start", "pk"
        )
    )


def _owners(
    *, units: list[tuple[str, str]], on: dt.date, lines: list[AssignmentLine] | None = None
) -> dict[tuple[str, str], int]:
    """The user id of each project unit's director and each function unit's head in force on the date, from `lines`
    (read here, one query, when not given)."""
    projects = {code for kind, code in units if kind == UnitKind.PROJECT}
    functions = {code for kind, code in units if kind == UnitKind.FUNCTION}
    if lines is None:
        lines = assignment_lines(plan_owner_lines(on=on))
    found: dict[tuple[str, str], int] = {}
    for user_id, role, project_code, function, start, end in lines:
        if start > on or (end is not None and end < on):
            continue
        if role == Role.PROJECT_DIRECTOR and project_code in projects:
            found.setdefault((UnitKind.PROJECT, project_code), user_id)
        elif role == Role.FUNCTION_HEAD and function in functions:
            found.setdefault((UnitKind.FUNCTION, function), user_id)
    return found


def plans_open(*, result: QuarterResult, units: list[dict] | None = None, lines: list[AssignmentLine] | None = None) -> int:
    """SPEC §14: every unit of a published version fined under R13 owes a plan, due in the policy's days.

    Runs in the publication's transaction in a fixed number of queries (the owners unless `lines` holds them, the
    policy, one insert): an amendment's units already owing a plan are skipped by the unique constraint, so nothing is
    opened twice. The plan's history starts with its first step (filing); its opening is the publication itself
    (`opened_on`).
    """
    if units is None:
        units = [{"kind": u.kind, "code": u.code, "name": u.name, "amount": u.amount} for u in result.units.all()]
    fined = [u for u in units if u["amount"] < 0]
    if not fined:
        return 0
    today = timezone.localtime(result.published_at, dates.SHANGHAI).date()
    owners = _owners(units=[(u["kind"], u["code"]) for u in fined], on=today, lines=lines)
    due = rules.due_date(today, policy_days(today).plan_days)
    plans = [
        RectificationPlan(
            year=result.year,
            quarter=result.quarter,
            unit_kind=u["kind"],
            unit_code=u["code"],
            unit_name=u["name"],
            amount=u["amount"],
            owner_id=owners.get((u["kind"], u["code"])),
            opened_on=today,
            due_date=due,
        )
        for u in fined
    ]
    return len(RectificationPlan.objects.bulk_create(plans, ignore_conflicts=True))


# -- access ---------------------------------------------------------------------------------------------------------


def _project_ids(plans) -> dict[str, int]:
    codes = {p.unit_code for p in plans if p.unit_kind == UnitKind.PROJECT}
    return dict(Project.objects.filter(code__in=codes).values_list("code", "pk")) if codes else {}


def _project_id(plan: RectificationPlan, ids: dict[str, int]) -> int | None:
    return ids.get(plan.unit_code) if plan.unit_kind == UnitKind.PROJECT else None


def plans_visible(*, scope: Scope) -> QuerySet[RectificationPlan]:
    """Operations and HR see every plan; a director their projects', a head their functions'."""
    qs = RectificationPlan.objects.select_related("owner__person", "submitted_by__person")
    if scope.sees_all:
        return qs
    codes = list(Project.objects.filter(pk__in=scope.directed_projects).values_list("code", flat=True))
    return qs.filter(
        Q(unit_kind=UnitKind.PROJECT, unit_code__in=codes) | Q(unit_kind=UnitKind.FUNCTION, unit_code__in=scope.headed_functions)
    )


def plan_for_read(*, scope: Scope, pk: int) -> RectificationPlan:
    plan = plans_visible(scope=scope).filter(pk=pk).first()
    if plan is None:
        raise Http404
    return plan


def plan_can_file(scope: Scope, plan: RectificationPlan) -> bool:
    project_id = _project_id(plan, _project_ids([plan]))
    return access.can_file_plan(scope, unit_kind=plan.unit_kind, unit_code=plan.unit_code, project_id=project_id)


def plan_for_file(*, scope: Scope, pk: int) -> RectificationPlan:
    plan = plan_for_read(scope=scope, pk=pk)
    if not plan_can_file(scope, plan):
        raise Http404
    return plan


def plan_for_acknowledge(*, scope: Scope, pk: int) -> RectificationPlan:
    if not access.can_acknowledge_plan(scope):
        raise Http404
    return plan_for_read(scope=scope, pk=pk)


# -- the steps --------------------------------------------------------------------------------------------------------


@transaction.atomic
def plan_submit(*, plan: RectificationPlan, user, text: str, upload: tuple[IO[bytes], str, int] | None) -> RectificationPlan:
    """pending → submitted (a refiling of a submitted plan replaces its text and file until it is acknowledged)."""
    plan = RectificationPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.state == PlanState.ACKNOWLEDGED:
        raise PlanRefused(_("整改方案已由运营管理部确认,不能再修改。"))
    text = (text or "").strip()
    if not text:
        raise PlanRefused(_("请填写整改方案。"))
    if upload is not None:
        file, name, size = upload
        try:
            check = deliverable_check(file=file, name=name, size=size)
        except ValidationError as exc:
            raise PlanRefused(" ".join(exc.messages)) from None
        plan.file.save(f"{uuid.uuid4().hex}.{check.extension}", File(file), save=False)
        plan.file_name = name[-255:]
        plan.file_type = check.content_type
    plan.text = text
    plan.state = PlanState.SUBMITTED
    plan.submitted_at = timezone.now()
    plan.submitted_by = user
    plan._history_user = user
    plan._change_reason = "提交整改方案"
    plan.save()
    return plan


@transaction.atomic
def plan_acknowledge(*, plan: RectificationPlan, user) -> RectificationPlan:
    """submitted → acknowledged, by operations; out of order is refused."""
    plan = RectificationPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.state != PlanState.SUBMITTED:
        raise PlanRefused(_("该整改方案当前为「{state}」,只有已提交的方案才能确认。").format(state=plan.get_state_display()))
    plan.state = PlanState.ACKNOWLEDGED
    plan.acknowledged_at = timezone.now()
    plan.acknowledged_by = user
    plan._history_user = user
    plan._change_reason = "确认整改方案"
    plan.save()
    return plan


# -- home panel -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanRow:
    plan: RectificationPlan
    overdue: bool
    can_file: bool


def home_panels(*, request: HttpRequest, scope: Scope, today: dt.date) -> list[Panel]:
    """Directors and heads: their units' plans still to file; operations: filed plans to acknowledge (fixed queries)."""
    if scope.can_operate:
        plans = list(plans_visible(scope=scope).filter(state=PlanState.SUBMITTED).order_by("due_date", "id"))
    elif scope.directed_projects or scope.headed_functions:
        plans = list(plans_visible(scope=scope).filter(state=PlanState.PENDING).order_by("due_date", "id"))
    else:
        return []
    if not plans:
        return []
    ids = _project_ids(plans)
    rows = [
        PlanRow(
            plan=p,
            overdue=p.state == PlanState.PENDING and today > p.due_date,
            can_file=access.can_file_plan(scope, unit_kind=p.unit_kind, unit_code=p.unit_code, project_id=_project_id(p, ids)),
        )
        for p in plans
    ]
    return [Panel("scoring/plans_home.html", {"rows": rows, "operations": scope.can_operate}, order=16)]


# -- the register's second sheet (SPEC §10) ---------------------------------------------------------------------------


def plan_sheet(year: int) -> Sheet:
    """Sheet 整改方案 of the rectification register: `季度 | 考核单元 | 负责人 | 截止日期 | 状态 | 提交日期`."""

    def rows() -> Iterator[tuple]:
        plans = (
            RectificationPlan.objects.filter(year=year)
            .select_related("owner__person")
            .order_by("quarter", "unit_kind", "unit_code")
        )
        for plan in plans.iterator(chunk_size=500):
            owner = plan.owner
            owner_name = ""
            if owner is not None:
                person = getattr(owner, "person", None)
                owner_name = person.name if person is not None else owner.get_username()
            submitted = plan.submitted_at.astimezone(dates.SHANGHAI).date() if plan.submitted_at else None
            yield (str(plan.period), plan.unit_name, owner_name, plan.due_date, PLAN_STATE_LABELS[plan.state], submitted)

    quarter, unit, owner, due, state, submitted = PLAN_COLUMNS
    columns = [
        Column(quarter, 10),
        Column(unit, 24),
        Column(owner, 12),
        Column.date(due),
        Column(state, 10),
        Column.date(submitted),
    ]
    return Sheet(name=PLAN_SHEET, columns=columns, rows=rows())


# -- reminders ---------------------------------------------------------------------------------------------------------


def plan_reminders_send(*, day: dt.date) -> int:
    """The owner three days before the due date and on it, while not filed; operations three days after it (SPEC §14).
    Each exactly once per (recipient, kind, plan)."""
    plans = list(
        RectificationPlan.objects.filter(
            state=PlanState.PENDING,
            due_date__lte=day + dt.timedelta(days=rules.REMIND_BEFORE_DAYS),
            due_date__gte=rules.reminder_window_start(day),
        ).select_related("owner")
    )
    sent = 0
    escalate_to = None
    for plan in plans:
        # A pending plan is "awaiting the owner" and "not verified" in the rules' terms.
        for reminder in rules.reminders_due(state=rules.OPEN, due=plan.due_date, today=day):
            if reminder is rules.Reminder.ESCALATED:
                escalate_to = escalate_to or _operations()
                recipients = escalate_to
            else:
                recipients = [plan.owner] if plan.owner is not None and plan.owner.is_active else []
            params = {"unit": plan.unit_name, "quarter": str(plan.period), "due": plan.due_date.isoformat()}
            url = reverse("scoring:plan", args=[plan.pk])
            for user in recipients:
                if notify_later(user=user, kind=PLAN_KIND[reminder], period=plan_period(plan), params=params, url=url):
                    sent += 1
    return sent


def _operations() -> list:
    """Every active operations user (the escalation of a late plan goes to the department)."""
    users = list(
        get_user_model()
        .objects.filter(groups__name=STAFF_GROUP_NAMES[StaffGroup.OPERATIONS], is_active=True)
        .distinct()
        .order_by("pk")
    )
    if not users:
        fallback = operations_user()
        users = [fallback] if fallback else []
    return users


# -- results page ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitRectifications:
    kind: str
    name: str
    open: int
    overdue: int


def rectification_summary(*, page, quarter, today: dt.date) -> list[UnitRectifications]:
    """Per unit of the results page, the quarter's rectifications not yet verified and how many are overdue (one
    query). A fix never changes the score shown next to it (SPEC §14)."""
    counts = unit_counts(year=quarter.year, quarter=quarter.number, today=today)
    rows = []
    for unit in [*page.functions, *page.projects]:
        found = counts.get((unit.kind, unit.code))
        if found is not None and found.open:
            rows.append(UnitRectifications(unit.kind, unit.name, found.open, found.overdue))
    return rows


PLAN_REMINDERS = "plan_reminders"  # stable: task arguments and `run_scheduled --job`


def plan_reminders_job(*, day: dt.date) -> JobResult:
    sent = plan_reminders_send(day=day)
    return JobResult(PLAN_REMINDERS, day, sent=sent, note=_("整改方案提醒 {n} 条").format(n=sent))


def register_jobs() -> None:
    """SPEC §14: every day at 09:00; each plan's reminders depend on its own due date."""
    register_job(PeriodicJob(PLAN_REMINDERS, REMINDER_TIME, every_day, plan_reminders_job))
