"""The scheduled jobs (SPEC §9): services that beat's tasks and ``run_scheduled`` both call.

Every job is idempotent. Reminders go through ``notify_later``, whose unique (recipient, kind, period) constraint
makes a second run — a retry, a catch-up, a second beat — send nothing twice. Checklist generation is the audits
service's own idempotent operation. A job writes its notifications (kind + parameters) in one transaction; the
outbox delivers their e-mails and chat posts after it commits (notifications.delivery).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from touchpoints.choices import STAFF_GROUP_NAMES, Function, Role, StaffGroup
from touchpoints.dates import Quarter, due_date, month_label
from touchpoints.models import Assignment

from .choices import NotificationKind
from .schedule import JobName, job_is_due, jobs_due, month_of, publication_quarter_of
from .services import notify_later

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
    sent = 0
    with transaction.atomic():
        for user, user_checks in per_user.values():
            params = {
                "year": year,
                "month": month,
                "due": due.isoformat(),
                "days": (due - day).days,
                "cells": [[c.project.name, c.function] for c in user_checks],
            }
            url = selfcheck_url(user_checks[0]) if len(user_checks) == 1 else overview_url(year, month)
            if notify_later(user=user, kind=kind, period=f"{year}-{month:02d}", params=params, url=url):
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
    rows = [
        [check.project.name, check.function, [a.person.name for a in leads.get((check.project_id, check.function), [])]]
        for check in checks
    ]
    params = {"year": year, "month": month, "rows": rows}
    url = overview_url(year, month)
    with transaction.atomic():
        sent = sum(
            1
            for user in operations_users()
            if notify_later(user=user, kind=NotificationKind.MISSING_DIGEST, period=f"{year}-{month:02d}", params=params, url=url)
        )
    return JobResult(JobName.MISSING_DIGEST, day, sent=sent, note=_("未提交 {n} 份").format(n=len(checks)))


def _uninspected_cells(quarter: Quarter) -> list[list[str]]:
    """[project name, function code] of the cells with applicable items but no finalised inspection (fixed queries)."""
    from audits.selectors.inspections import cells_without_finalised_inspection

    return [[project.name, function] for project, function in cells_without_finalised_inspection(quarter=quarter)]


def publication_reminder_send(*, day: dt.date) -> JobResult:
    """SPEC §9 / R9: on the 10th after a quarter, remind operations that its results are due today.

    Lists the cells still uninspected; if the quarter is already published, nothing is sent.
    """
    from scoring.status import quarter_is_published

    quarter = publication_quarter_of(day)
    if quarter_is_published(quarter):
        return JobResult(JobName.PUBLICATION_DUE, day, note=_("{quarter} 已发布,不发送").format(quarter=quarter))
    missing = _uninspected_cells(quarter)
    params = {"quarter": str(quarter), "day": day.isoformat(), "missing": missing}
    url = publication_url(quarter)
    with transaction.atomic():
        sent = sum(
            1
            for user in operations_users()
            if notify_later(user=user, kind=NotificationKind.PUBLICATION_DUE, period=str(quarter), params=params, url=url)
        )
    return JobResult(
        JobName.PUBLICATION_DUE, day, sent=sent, note=_("{quarter} 未检查 {n} 个单元").format(quarter=quarter, n=len(missing))
    )


_RUNNERS = {
    JobName.GENERATE_CHECKLISTS: checklists_generate_job,
    JobName.SELFCHECK_DUE_SOON: lambda *, day: selfcheck_reminders_send(day=day, early=True),
    JobName.SELFCHECK_DUE: lambda *, day: selfcheck_reminders_send(day=day, early=False),
    JobName.MISSING_DIGEST: missing_digest_send,
    JobName.PUBLICATION_DUE: publication_reminder_send,
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
]
