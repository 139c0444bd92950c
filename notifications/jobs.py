"""The scheduled jobs (SPEC §9): services that beat's tasks and ``run_scheduled`` both call.

Every job is idempotent. Reminders go through ``notify``, whose unique (recipient, kind, period) constraint makes
a second run — a retry, a catch-up, a second beat — send nothing twice. Checklist generation is the audits
service's own idempotent operation. Jobs run in autocommit mode, so each notification commits with its e-mail.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from touchpoints.choices import STAFF_GROUP_NAMES, Function, Role, StaffGroup
from touchpoints.dates import Quarter, due_date, month_label
from touchpoints.models import Assignment, Project

from .choices import NotificationKind
from .schedule import JobName, job_is_due, jobs_due, month_of, publication_quarter_of, signoff_month_of
from .services import notify

Cell = tuple[int, str]  # (project id, function code)


@dataclass(frozen=True)
class JobResult:
    """What one job did on one date: notifications sent, checklists created, and a line for the operator."""

    job: JobName
    day: dt.date
    sent: int = 0
    created: int = 0
    note: str = ""


# -- helpers: recipients, links, labels ----------------------------------------------------------------------------


def operations_users() -> list:
    """SPEC §1: the operations staff (auth group 运营管理部), active accounts only."""
    User = get_user_model()
    return list(
        User.objects.filter(groups__name=STAFF_GROUP_NAMES[StaffGroup.OPERATIONS], is_active=True).distinct().order_by("pk")
    )


def cell_leads(*, cells: Iterable[Cell], on: dt.date) -> dict[Cell, list[Assignment]]:
    """The functional managers of each cell in force on the date, with an active login (one query).

    SPEC §3: a functional manager belongs to the project unit and names the function (the cell) they lead.
    """
    wanted = set(cells)
    if not wanted:
        return {}
    assignments = (
        Assignment.objects.current(on)
        .filter(
            role=Role.FUNCTIONAL_MANAGER,
            project_id__in={project_id for project_id, _function in wanted},
            person__user__isnull=False,
            person__user__is_active=True,
        )
        .select_related("person__user")
        .order_by("person__employee_id", "pk")
    )
    leads: dict[Cell, list[Assignment]] = defaultdict(list)
    for assignment in assignments:
        cell = (assignment.project_id, assignment.function)
        if cell in wanted:
            leads[cell].append(assignment)
    return dict(leads)


def first_url(*candidates: tuple[str, tuple[Any, ...]], query: str = "") -> str:
    """The first of the named pages that exists (apps add their pages over time), else the home page."""
    for name, args in candidates:
        try:
            return reverse(name, args=args) + (f"?{query}" if query else "")
        except NoReverseMatch:
            continue
    return reverse("home")


def selfcheck_url(selfcheck) -> str:
    """The checklist to act on (the audits page; the month's overview or home while it does not exist)."""
    return first_url(("audits:selfcheck_detail", (selfcheck.pk,)), ("audits:selfcheck_overview", ()))


def overview_url(year: int, month: int) -> str:
    """The self-check overview of the month's year: where a lead with several cells, or operations, act."""
    return first_url(("audits:selfcheck_overview", ()), query=f"year={year}")


def publication_url(quarter: Quarter) -> str:
    """Operations' publish page of the quarter (its preview lists the missing cells), else the inspection board."""
    return first_url(
        ("scoring:preview", (str(quarter),)),
        ("audits:board", (str(quarter),)),
        ("scoring:results", ()),
    )


def cell_label(project: Project, function: str) -> str:
    return _("{project} · {function}").format(project=project.name, function=Function(function).label)


def _lines(items: Iterable[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


def _open_selfchecks(*, year: int, month: int) -> list:
    """Not-submitted self-checks of the month, through the audits selector, ordered by project and function."""
    from audits.selectors.selfchecks import open_selfchecks

    checks = open_selfchecks(year=year, month=month)
    if hasattr(checks, "select_related"):
        checks = checks.select_related("project")
    function_order = {code: index for index, code in enumerate(Function.values)}
    return sorted(checks, key=lambda c: (c.project.code, function_order.get(c.function, 99)))


# -- the jobs ------------------------------------------------------------------------------------------------------


def checklists_generate_job(*, day: dt.date) -> JobResult:
    """The 1st of the month: generate the month's self-checks (audits service; idempotent)."""
    from audits.services.selfchecks import checklists_generate

    year, month = month_of(day)
    created = checklists_generate(year=year, month=month)
    return JobResult(
        JobName.GENERATE_CHECKLISTS,
        day,
        created=created,
        note=_("生成 {month} 自检表 {n} 份").format(month=month_label(year, month), n=created),
    )


def selfcheck_reminders_send(*, day: dt.date, early: bool) -> JobResult:
    """SPEC §9 / R8: remind every functional lead whose self-check of the month is not submitted.

    One notification per lead per month and kind, listing all their open cells; ``early`` is the reminder three
    days before the due date, otherwise the one on the due date.
    """
    year, month = month_of(day)
    due = due_date(year, month)
    job = JobName.SELFCHECK_DUE_SOON if early else JobName.SELFCHECK_DUE
    kind = NotificationKind.SELFCHECK_DUE_SOON if early else NotificationKind.SELFCHECK_DUE
    checks = _open_selfchecks(year=year, month=month)
    leads = cell_leads(cells=((c.project_id, c.function) for c in checks), on=day)
    per_user: dict[int, tuple[Any, list]] = {}
    for check in checks:
        for assignment in leads.get((check.project_id, check.function), []):
            user = assignment.person.user
            per_user.setdefault(user.pk, (user, []))[1].append(check)
    label = month_label(year, month)
    due_text = f"{due.month}月{due.day}日"
    sent = 0
    for user, user_checks in per_user.values():
        cells = _lines(cell_label(c.project, c.function) for c in user_checks)
        if early:
            subject = _("【提醒】{month}月度自检将于{due}截止").format(month=label, due=due_text)
            body = _(
                "您负责的以下月度自检尚未提交,截止日期为{due}(还有 {days} 天):\n{cells}\n\n请逐项勾选完成情况、上传交付件后提交。"
            ).format(due=due_text, days=(due - day).days, cells=cells)
        else:
            subject = _("【今日截止】{month}月度自检今天截止").format(month=label)
            body = _(
                "您负责的以下月度自检尚未提交,今天({due})23:59 前提交有效,之后提交将记为逾期:\n{cells}\n\n请尽快完成并提交。"
            ).format(due=due_text, cells=cells)
        url = selfcheck_url(user_checks[0]) if len(user_checks) == 1 else overview_url(year, month)
        if notify(user=user, kind=kind, period=f"{year}-{month:02d}", subject=subject, body=body, url=url):
            sent += 1
    return JobResult(
        job,
        day,
        sent=sent,
        note=_("未提交 {n} 份,提醒 {people} 人").format(n=len(checks), people=len(per_user)),
    )


def missing_digest_send(*, day: dt.date) -> JobResult:
    """SPEC §9: on the due date, operations get a digest of the cells whose self-check is still missing."""
    year, month = month_of(day)
    checks = _open_selfchecks(year=year, month=month)
    if not checks:
        return JobResult(JobName.MISSING_DIGEST, day, note=_("全部已提交,无需汇总"))
    leads = cell_leads(cells=((c.project_id, c.function) for c in checks), on=day)
    rows = []
    for check in checks:
        names = "、".join(a.person.name for a in leads.get((check.project_id, check.function), []))
        rows.append(
            _("{cell}(职能经理:{names})").format(cell=cell_label(check.project, check.function), names=names or _("未指定"))
        )
    label = month_label(year, month)
    subject = _("【汇总】{month}月度自检未提交 {n} 份").format(month=label, n=len(checks))
    body = _("今天是{month}月度自检截止日,以下 {n} 个考核单元尚未提交:\n{rows}").format(
        month=label, n=len(checks), rows=_lines(rows)
    )
    url = overview_url(year, month)
    sent = sum(
        1
        for user in operations_users()
        if notify(
            user=user, kind=NotificationKind.MISSING_DIGEST, period=f"{year}-{month:02d}", subject=subject, body=body, url=url
        )
    )
    return JobResult(JobName.MISSING_DIGEST, day, sent=sent, note=_("未提交 {n} 份").format(n=len(checks)))


def _uninspected_cells(quarter: Quarter) -> list[str]:
    """Labels of the cells with applicable items but no finalised inspection (audits selector, fixed queries)."""
    from audits.selectors.inspections import cells_without_finalised_inspection

    return [cell_label(project, function) for project, function in cells_without_finalised_inspection(quarter=quarter)]


def publication_reminder_send(*, day: dt.date) -> JobResult:
    """SPEC §9 / R9: on the 10th after a quarter, remind operations that its results are due today.

    Lists the cells still uninspected; if the quarter is already published, nothing is sent.
    """
    from scoring.status import quarter_is_published

    quarter = publication_quarter_of(day)
    if quarter_is_published(quarter):
        return JobResult(JobName.PUBLICATION_DUE, day, note=_("{quarter} 已发布,不发送").format(quarter=quarter))
    missing = _uninspected_cells(quarter)
    subject = _("【发布提醒】{quarter}考核结果今日应发布").format(quarter=quarter.label)
    if missing:
        detail = _(
            "以下 {n} 个考核单元尚无定稿的检查:\n{rows}\n\n请先完成检查定稿;发布时未检查的单元需确认后按未检查处理。"
        ).format(n=len(missing), rows=_lines(missing))
    else:
        detail = _("全部考核单元的检查均已定稿,可以发布。")
    body = _("按《客户触点考核管理制度》,{quarter}的考核结果应于今天({day})发布。\n{detail}").format(
        quarter=quarter.label, day=f"{day.month}月{day.day}日", detail=detail
    )
    url = publication_url(quarter)
    sent = sum(
        1
        for user in operations_users()
        if notify(user=user, kind=NotificationKind.PUBLICATION_DUE, period=str(quarter), subject=subject, body=body, url=url)
    )
    return JobResult(
        JobName.PUBLICATION_DUE, day, sent=sent, note=_("{quarter} 未检查 {n} 个单元").format(quarter=quarter, n=len(missing))
    )


def signoff_reminders_send(*, day: dt.date) -> JobResult:
    """R5a: on the 5th, each project director gets last month's checklists of their projects not yet confirmed (签认),
    and operations the whole list. Exactly once per recipient and month (notify's unique constraint)."""
    from audits.choices import SelfCheckState
    from audits.selectors.signoff import unconfirmed_selfchecks

    year, month = signoff_month_of(day)
    function_order = {code: index for index, code in enumerate(Function.values)}
    checks = sorted(
        unconfirmed_selfchecks(year=year, month=month), key=lambda c: (c.project.code, function_order.get(c.function, 99))
    )
    if not checks:
        return JobResult(JobName.SIGNOFF_DUE, day, note=_("{month} 自检表已全部签认").format(month=month_label(year, month)))
    label = month_label(year, month)
    period = f"{year}-{month:02d}/signoff"

    def line(check) -> str:
        state = _("已提交,待签认") if check.state == SelfCheckState.SUBMITTED else _("未提交")
        return _("{cell}({state})").format(cell=cell_label(check.project, check.function), state=state)

    directors = (
        Assignment.objects.current(day)
        .filter(
            role=Role.PROJECT_DIRECTOR,
            project_id__in={c.project_id for c in checks},
            person__user__isnull=False,
            person__user__is_active=True,
        )
        .select_related("person__user")
        .order_by("person__employee_id", "pk")
    )
    per_user: dict[int, tuple[Any, list]] = {}
    for assignment in directors:
        user = assignment.person.user
        per_user.setdefault(user.pk, (user, []))[1].extend(c for c in checks if c.project_id == assignment.project_id)
    url = first_url(("audits:selfcheck_signoff", ()), query=f"month={year}-{month:02d}")
    sent = 0
    for user, user_checks in per_user.values():
        subject = _("【签认提醒】{month}月度自检还有 {n} 份未签认").format(month=label, n=len(user_checks))
        body = _("您负责项目的以下{month}月度自检尚未签认,请逐份签认或退回:\n{rows}").format(
            month=label, rows=_lines(line(c) for c in user_checks)
        )
        if notify(user=user, kind=NotificationKind.MISSING_DIGEST, period=period, subject=subject, body=body, url=url):
            sent += 1
    subject = _("【汇总】{month}月度自检未签认 {n} 份").format(month=label, n=len(checks))
    body = _("截至今天({day}),以下 {n} 份{month}月度自检尚未经项目总监签认:\n{rows}").format(
        day=f"{day.month}月{day.day}日", n=len(checks), month=label, rows=_lines(line(c) for c in checks)
    )
    overview = overview_url(year, month)
    sent += sum(
        1
        for user in operations_users()
        if notify(user=user, kind=NotificationKind.MISSING_DIGEST, period=period, subject=subject, body=body, url=overview)
    )
    return JobResult(JobName.SIGNOFF_DUE, day, sent=sent, note=_("{month} 未签认 {n} 份").format(month=label, n=len(checks)))


_RUNNERS = {
    JobName.GENERATE_CHECKLISTS: checklists_generate_job,
    JobName.SELFCHECK_DUE_SOON: lambda *, day: selfcheck_reminders_send(day=day, early=True),
    JobName.SELFCHECK_DUE: lambda *, day: selfcheck_reminders_send(day=day, early=False),
    JobName.MISSING_DIGEST: missing_digest_send,
    JobName.PUBLICATION_DUE: publication_reminder_send,
    JobName.SIGNOFF_DUE: signoff_reminders_send,
}


def job_run(*, job: JobName | str, day: dt.date) -> JobResult:
    """Run one job for a date. Refuses a job that is not due that day (a wrong-day reminder would mislead)."""
    job = JobName(job)
    if not job_is_due(job, day):
        raise ValueError(_("任务 {job} 不在 {day} 运行").format(job=job, day=day.isoformat()))
    return _RUNNERS[job](day=day)


def scheduled_jobs_run(*, day: dt.date, at: dt.time | None = None, only: Iterable[JobName | str] = ()) -> list[JobResult]:
    """Every job due on the date (with ``at``, those of that beat slot; with ``only``, just those), in order.

    This is what beat runs each morning and what ``run_scheduled --date`` runs to catch up.
    """
    wanted = {JobName(name) for name in only}
    return [job_run(job=job, day=day) for job in jobs_due(day, at=at) if not wanted or job in wanted]


__all__ = [
    "JobResult",
    "cell_leads",
    "checklists_generate_job",
    "job_run",
    "missing_digest_send",
    "operations_users",
    "publication_reminder_send",
    "scheduled_jobs_run",
    "selfcheck_reminders_send",
    "signoff_reminders_send",
]
