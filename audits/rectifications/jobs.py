"""Rectification reminders (SPEC §14), run every morning by beat and by `run_scheduled` (notifications.jobs).

To the responsible person three days before the due date and on it, while the fix is not submitted; to the project
director three days after it, while it is not verified. Each is one notification per (recipient, kind, rectification):
the notifications' unique constraint makes a second run send nothing twice.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _

from core.jobs import REMINDER_TIME, JobResult, PeriodicJob, register_job
from notifications.choices import NotificationKind
from notifications.services import notify
from touchpoints.choices import Role
from touchpoints.models import Assignment

from . import rules
from .models import Rectification
from .services import operations_user

# Notification kinds of rectifications; the period names the rectification (see `reminder_period`).
KIND = {
    rules.Reminder.DUE_SOON: NotificationKind.RECTIFICATION_DUE_SOON,
    rules.Reminder.DUE: NotificationKind.RECTIFICATION_DUE,
    rules.Reminder.ESCALATED: NotificationKind.RECTIFICATION_ESCALATED,
}


def reminder_period(rect: Rectification) -> str:
    """What the notification is about, as its reader sees it and unique per rectification: "2026Q1 MKT-03 #12"."""
    return f"{rect.year}Q{rect.quarter} {rect.code[:20]} #{rect.pk}"


def _directors(project_ids: set[int], on: dt.date) -> dict[int, list]:
    """The active-login directors of each project in force on the date (one query)."""
    found: dict[int, list] = {}
    for a in (
        Assignment.objects.current(on)
        .filter(role=Role.PROJECT_DIRECTOR, project_id__in=project_ids, person__user__is_active=True)
        .select_related("person__user")
        .order_by("person__employee_id")
    ):
        found.setdefault(a.project_id, []).append(a.person.user)
    return found


def _message(rect: Rectification, reminder: rules.Reminder, day: dt.date) -> tuple[str, str]:
    cell = f"{rect.project.name} · {rect.get_function_display()}"
    what = f"{rect.code} {rect.name}"
    due = rect.due_date.isoformat()
    if reminder is rules.Reminder.DUE_SOON:
        return (
            _("【整改提醒】{what} 将于 {due} 截止").format(what=what, due=due),
            _("{cell} 的整改「{what}」将于 {due} 截止(还有 {days} 天),请完成整改并上传整改证明后提交。").format(
                cell=cell, what=what, due=due, days=(rect.due_date - day).days
            ),
        )
    if reminder is rules.Reminder.DUE:
        return (
            _("【今日截止】整改 {what} 今天截止").format(what=what),
            _("{cell} 的整改「{what}」截止日期为 {due},尚未提交,请尽快完成并提交。").format(cell=cell, what=what, due=due),
        )
    return (
        _("【整改逾期】{what} 已逾期 {days} 天未验证").format(what=what, days=(day - rect.due_date).days),
        _("{cell} 的整改「{what}」截止日期为 {due},至今未完成验证(当前:{state}),请督促责任人。").format(
            cell=cell, what=what, due=due, state=rect.get_state_display()
        ),
    )


def rectification_reminders_send(*, day: dt.date) -> int:
    """Send the reminders due on ``day``; returns how many notifications were sent (fixed queries + one per send)."""
    rects = list(
        Rectification.objects.unverified()
        .filter(due_date__lte=day + dt.timedelta(days=rules.REMIND_BEFORE_DAYS), due_date__gte=rules.reminder_window_start(day))
        .select_related("project", "responsible")
        .order_by("due_date", "id")
    )
    directors = _directors({r.project_id for r in rects}, day)
    fallback = None
    sent = 0
    for rect in rects:
        for reminder in rules.reminders_due(state=rect.state, due=rect.due_date, today=day):
            if reminder is rules.Reminder.ESCALATED:
                recipients = directors.get(rect.project_id, [])
                if not recipients:
                    fallback = fallback or operations_user()
                    recipients = [fallback] if fallback else []
            else:
                recipients = [rect.responsible] if rect.responsible and rect.responsible.is_active else []
            subject, body = _message(rect, reminder, day)
            url = reverse("audits:rectification", args=[rect.pk])
            for user in recipients:
                if notify(user=user, kind=KIND[reminder], period=reminder_period(rect), subject=subject, body=body, url=url):
                    sent += 1
    return sent


RECTIFICATION_REMINDERS = "rectification_reminders"  # stable: task arguments and `run_scheduled --job`


def every_day(day: dt.date) -> bool:
    """SPEC §14: what a reminder sends depends on each rectification's own due date, so the job runs daily."""
    return True


def rectification_reminders_job(*, day: dt.date) -> JobResult:
    sent = rectification_reminders_send(day=day)
    return JobResult(RECTIFICATION_REMINDERS, day, sent=sent, note=_("整改提醒 {n} 条").format(n=sent))


def register_jobs() -> None:
    register_job(PeriodicJob(RECTIFICATION_REMINDERS, REMINDER_TIME, every_day, rectification_reminders_job))
