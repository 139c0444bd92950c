"""The scoring app's periodic job (SPEC §9, R9), registered with core's job registry from AppConfig.ready."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from django.db import transaction
from django.utils.translation import gettext as _

from audits.inspections.selectors import cells_without_finalised_inspection
from core.dates import Quarter
from core.jobs import REMINDER_TIME, JobResult, PeriodicJob, register_job
from core.publication import quarter_is_published
from notifications.choices import NotificationKind
from notifications.recipients import first_url, operations_users
from notifications.services import notify_later


class ScoringJob(StrEnum):
    PUBLICATION_DUE = "publication_due"  # SPEC §9 / R9: 10 Jan/Apr/Jul/Oct, 09:00


def publication_quarter_of(day: dt.date) -> Quarter:
    """R9: the quarter whose results are due on a publication day — the one before the day's quarter."""
    return Quarter.of(day).previous()


def is_publication_day(day: dt.date) -> bool:
    return day == publication_quarter_of(day).publication_date


def publication_url(quarter: Quarter) -> str:
    """Operations' publish page of the quarter (its preview lists the missing cells), else the inspection board."""
    return first_url(
        ("scoring:preview", (str(quarter),)),
        ("audits:board", (str(quarter),)),
        ("scoring:results", ()),
    )


def _uninspected_cells(quarter: Quarter) -> list[list[str]]:
    """[project name, function code] of the cells with applicable items but no finalised inspection (fixed queries)."""
    return [[project.name, function] for project, function in cells_without_finalised_inspection(quarter=quarter)]


def publication_reminder_send(*, day: dt.date) -> JobResult:
    """SPEC §9 / R9: on the 10th after a quarter, remind operations that its results are due today.

    Lists the cells still uninspected; if the quarter is already published, nothing is sent.
    """
    quarter = publication_quarter_of(day)
    if quarter_is_published(quarter):
        return JobResult(ScoringJob.PUBLICATION_DUE, day, note=_("{quarter} 已发布,不发送").format(quarter=quarter))
    missing = _uninspected_cells(quarter)
    params = {"quarter": str(quarter), "day": day.isoformat(), "missing": missing}
    url = publication_url(quarter)
    with transaction.atomic():  # the outbox delivers after commit (SPEC §7)
        sent = sum(
            1
            for user in operations_users()
            if notify_later(user=user, kind=NotificationKind.PUBLICATION_DUE, period=str(quarter), params=params, url=url)
        )
    return JobResult(
        ScoringJob.PUBLICATION_DUE, day, sent=sent, note=_("{quarter} 未检查 {n} 个单元").format(quarter=quarter, n=len(missing))
    )


def register_jobs() -> None:
    register_job(PeriodicJob(ScoringJob.PUBLICATION_DUE, REMINDER_TIME, is_publication_day, publication_reminder_send))
