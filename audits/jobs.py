"""The audits app's periodic jobs (SPEC §3, §9, R8), registered with core's job registry from AppConfig.ready.

The month's checklists are generated on the 1st; the leads whose self-check is open are reminded three days before
and on the due date; operations get a digest of what is missing on the due date. Every job is idempotent:
``notify_later``'s unique (recipient, kind, period) and the checklist's unique cell-month make a second run do nothing.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.dates import due_date, month_label, reminder_dates
from core.jobs import GENERATION_TIME, REMINDER_TIME, JobResult, PeriodicJob, register_job
from notifications.choices import NotificationKind
from notifications.recipients import cell_leads, first_url, operations_users
from notifications.services import notify_later
from touchpoints.choices import Function

from .selfchecks.selectors import open_selfchecks
from .selfchecks.services import checklists_generate


class AuditJob(StrEnum):
    """The audits jobs. Values are stable: they appear in task arguments and on the command line."""

    GENERATE_CHECKLISTS = "generate_checklists"  # the month's self-checks, on the 1st (SPEC §3)
    SELFCHECK_DUE_SOON = "selfcheck_due_soon"  # SPEC §9: three days before the due date, 09:00
    SELFCHECK_DUE = "selfcheck_due"  # SPEC §9 / R8: on the due date, 09:00
    MISSING_DIGEST = "missing_digest"  # SPEC §9: operations' digest of who is missing, on the due date


def month_of(day: dt.date) -> tuple[int, int]:
    """The self-check month a date's reminders are about: its own month (the early reminder is on the 25th–27th)."""
    return day.year, day.month


def is_generation_day(day: dt.date) -> bool:
    return day.day == 1


def is_early_reminder_day(day: dt.date) -> bool:
    return day == reminder_dates(*month_of(day))[0]


def is_due_day(day: dt.date) -> bool:
    """R8 decision: the 30th, or the last day of a month without one."""
    return day == due_date(*month_of(day))


def selfcheck_url(selfcheck) -> str:
    """The checklist to act on (the audits page; the month's overview or home while it does not exist)."""
    return first_url(("audits:selfcheck_detail", (selfcheck.pk,)), ("audits:selfcheck_overview", ()))


def overview_url(year: int, month: int) -> str:
    """The self-check overview of the month's year: where a lead with several cells, or operations, act."""
    return first_url(("audits:selfcheck_overview", ()), query=f"year={year}")


def _open_selfchecks(*, year: int, month: int) -> list:
    """Not-submitted self-checks of the month, through the audits selector, ordered by project and function."""
    checks = open_selfchecks(year=year, month=month)
    if hasattr(checks, "select_related"):
        checks = checks.select_related("project")
    function_order = {code: index for index, code in enumerate(Function.values)}
    return sorted(checks, key=lambda c: (c.project.code, function_order.get(c.function, 99)))


# -- the jobs ------------------------------------------------------------------------------------------------------


def checklists_generate_job(*, day: dt.date) -> JobResult:
    """The 1st of the month: generate the month's self-checks (audits service; idempotent)."""
    year, month = month_of(day)
    created = checklists_generate(year=year, month=month)
    return JobResult(
        AuditJob.GENERATE_CHECKLISTS,
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
    job = AuditJob.SELFCHECK_DUE_SOON if early else AuditJob.SELFCHECK_DUE
    kind = NotificationKind.SELFCHECK_DUE_SOON if early else NotificationKind.SELFCHECK_DUE
    checks = _open_selfchecks(year=year, month=month)
    leads = cell_leads(cells=((c.project_id, c.function) for c in checks), on=day)
    per_user: dict[int, tuple[Any, list]] = {}
    for check in checks:
        for assignment in leads.get((check.project_id, check.function), []):
            user = assignment.person.user
            per_user.setdefault(user.pk, (user, []))[1].append(check)
    sent = 0
    with transaction.atomic():  # the outbox delivers the e-mails and chat posts after commit (SPEC §7)
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
        return JobResult(AuditJob.MISSING_DIGEST, day, note=_("全部已提交,无需汇总"))
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
    return JobResult(AuditJob.MISSING_DIGEST, day, sent=sent, note=_("未提交 {n} 份").format(n=len(checks)))


JOBS = (
    PeriodicJob(AuditJob.GENERATE_CHECKLISTS, GENERATION_TIME, is_generation_day, checklists_generate_job),
    PeriodicJob(
        AuditJob.SELFCHECK_DUE_SOON,
        REMINDER_TIME,
        is_early_reminder_day,
        lambda *, day: selfcheck_reminders_send(day=day, early=True),
    ),
    PeriodicJob(AuditJob.SELFCHECK_DUE, REMINDER_TIME, is_due_day, lambda *, day: selfcheck_reminders_send(day=day, early=False)),
    PeriodicJob(AuditJob.MISSING_DIGEST, REMINDER_TIME, is_due_day, missing_digest_send),
)


def register_jobs() -> None:
    for job in JOBS:
        register_job(job)
