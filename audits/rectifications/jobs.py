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
from notifications.services import notify_later
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


def _params(rect: Rectification, day: dt.date) -> dict:
    """What the reminder says, as language-neutral data (rendered by audits.rectifications.notices)."""
    return {
        "code": rect.code,
        "name": rect.name,
        "project": rect.project.name,
        "function": rect.function,
        "due": rect.due_date.isoformat(),
        "days": abs((rect.due_date - day).days),
        "state": rect.state,
    }


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
            params = _params(rect, day)
            url = reverse("audits:rectification", args=[rect.pk])
            for user in recipients:
                if notify_later(user=user, kind=KIND[reminder], period=reminder_period(rect), params=params, url=url):
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
