"""The scheduled jobs (SPEC §9) on data built in code: who is reminded, what operations get, exactly once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from audits.choices import InspectionState
from audits.jobs import AuditJob
from audits.models import Inspection
from core import jobs
from notifications.choices import NotificationKind
from notifications.models import Notification
from scoring.jobs import ScoringJob
from scoring.models import QuarterResult
from tests.notifications.builders import deliver, lead_of, selfcheck
from touchpoints.choices import Function

pytestmark = pytest.mark.django_db

FEB_29 = dt.date(2028, 2, 29)
FEB_26 = dt.date(2028, 2, 26)


def run_job(**kwargs):
    """A job, then the worker's delivery of what it wrote (SPEC §7)."""
    result = jobs.job_run(**kwargs)
    deliver()
    return result


def recipients(kind: str, period: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind, period=period).values_list("recipient__username", flat=True))


def test_due_date_reminder_goes_to_the_leads_of_open_checklists_only(people) -> None:
    """R8 / SPEC §9: the lead of an open February checklist is reminded on 29 February; a submitted one is not."""
    check = selfcheck(people.project, Function.MARKETING, 2028, 2)  # lead: 杨帆
    selfcheck(people.other_project, Function.DESIGN, 2028, 2, submitted=True)  # outsider submitted
    result = run_job(job=AuditJob.SELFCHECK_DUE, day=FEB_29)
    assert result.sent == 1
    assert recipients(NotificationKind.SELFCHECK_DUE, "2028-02") == {people.lead.user.username}
    # The link leads to the checklist to act on, absolute in the e-mail.
    url = reverse("audits:selfcheck_detail", args=[check.pk])
    assert Notification.objects.get().url == url
    assert settings.SITE_URL.rstrip("/") + url in mail.outbox[0].body
    assert [m.to for m in mail.outbox] == [[people.lead.email]]
    assert "东原·光谷印 · 营销" in mail.outbox[0].body
    assert "2月29日" in mail.outbox[0].body


def test_running_a_job_twice_sends_nothing_the_second_time(people) -> None:
    selfcheck(people.project, Function.MARKETING, 2028, 2)
    assert run_job(job=AuditJob.SELFCHECK_DUE, day=FEB_29).sent == 1
    assert run_job(job=AuditJob.SELFCHECK_DUE, day=FEB_29).sent == 0
    assert len(mail.outbox) == 1


def test_early_reminder_three_days_before_is_a_separate_notification(people) -> None:
    selfcheck(people.project, Function.MARKETING, 2028, 2)
    assert run_job(job=AuditJob.SELFCHECK_DUE_SOON, day=FEB_26).sent == 1
    assert "还有 3 天" in mail.outbox[0].body
    assert run_job(job=AuditJob.SELFCHECK_DUE, day=FEB_29).sent == 1
    assert Notification.objects.filter(recipient=people.user("lead")).count() == 2


def test_a_lead_of_two_open_cells_gets_one_reminder_listing_both(people) -> None:
    selfcheck(people.project, Function.MARKETING, 2028, 2)
    selfcheck(people.other_project, Function.MARKETING, 2028, 2)
    lead_assignment = people.lead.assignments.get()
    lead_assignment.pk = None
    lead_assignment.project = people.other_project
    lead_assignment.save()
    assert run_job(job=AuditJob.SELFCHECK_DUE, day=FEB_29).sent == 1
    body = Notification.objects.get(recipient=people.user("lead")).body
    assert "东原·光谷印 · 营销" in body and "东原·汉口时光道 · 营销" in body


def test_only_assignments_in_force_on_the_day_are_reminded(people) -> None:
    """The lead who left on 27 February is not reminded on the 29th; the one who started on the 28th is."""
    check = selfcheck(people.other_project, Function.ENGINEERING, 2028, 2)
    gone = lead_of(check.project, check.function, end=dt.date(2028, 2, 27), name="离任")
    new = lead_of(check.project, check.function, start=dt.date(2028, 2, 28), name="新任")
    no_login = lead_of(check.project, check.function, name="无账号")
    no_login.user = None
    no_login.save()
    run_job(job=AuditJob.SELFCHECK_DUE, day=FEB_29)
    assert recipients(NotificationKind.SELFCHECK_DUE, "2028-02") == {new.user.username}
    assert gone.user.notifications.count() == 0


def test_operations_get_a_digest_of_who_is_missing(people) -> None:
    selfcheck(people.project, Function.MARKETING, 2028, 2)
    selfcheck(people.other_project, Function.DESIGN, 2028, 2)
    selfcheck(people.project, Function.DESIGN, 2028, 2, submitted=True)
    result = run_job(job=AuditJob.MISSING_DIGEST, day=FEB_29)
    assert result.sent == 1
    digest = Notification.objects.get(kind=NotificationKind.MISSING_DIGEST)
    assert digest.recipient == people.user("inspector")
    assert "2 份" in digest.subject
    assert "东原·光谷印 · 营销(职能经理:杨帆)" in digest.body
    assert "东原·汉口时光道 · 研发(职能经理:外人)" in digest.body
    assert "东原·光谷印 · 研发" not in digest.body
    assert run_job(job=AuditJob.MISSING_DIGEST, day=FEB_29).sent == 0


def test_no_digest_when_everything_is_submitted(people) -> None:
    selfcheck(people.project, Function.MARKETING, 2028, 2, submitted=True)
    assert run_job(job=AuditJob.MISSING_DIGEST, day=FEB_29).sent == 0
    assert mail.outbox == []


def test_publication_reminder_lists_the_cells_still_uninspected(people) -> None:
    """R9: on 10 January operations are told 2027Q4 is due, with the cells lacking a finalised inspection."""
    selfcheck(people.project, Function.MARKETING, 2027, 11)
    selfcheck(people.other_project, Function.DESIGN, 2027, 12)
    Inspection.objects.create(
        project=people.other_project,
        function=Function.DESIGN,
        year=2027,
        quarter=4,
        state=InspectionState.FINALISED,
        finalised_at=timezone.now(),
    )
    result = run_job(job=ScoringJob.PUBLICATION_DUE, day=dt.date(2028, 1, 10))
    assert result.sent == 1
    notification = Notification.objects.get(kind=NotificationKind.PUBLICATION_DUE)
    assert notification.period == "2027Q4"
    assert notification.recipient == people.user("inspector")
    assert "2027年第4季度" in notification.subject
    assert "东原·光谷印 · 营销" in notification.body
    assert "东原·汉口时光道 · 研发" not in notification.body
    assert notification.url == reverse("scoring:preview", args=["2027Q4"])
    assert run_job(job=ScoringJob.PUBLICATION_DUE, day=dt.date(2028, 1, 10)).sent == 0


def test_no_publication_reminder_once_the_quarter_is_published(people) -> None:
    selfcheck(people.project, Function.MARKETING, 2028, 1)
    QuarterResult.objects.create(year=2028, quarter=1, published_at=timezone.now(), snapshot={}, digest="0" * 64)
    result = run_job(job=ScoringJob.PUBLICATION_DUE, day=dt.date(2028, 4, 10))
    assert result.sent == 0
    assert "已发布" in result.note
    assert not Notification.objects.exists()


def test_a_job_is_refused_on_a_day_it_is_not_due(people) -> None:
    selfcheck(people.project, Function.MARKETING, 2028, 2)
    with pytest.raises(ValueError, match="不在"):
        run_job(job=AuditJob.SELFCHECK_DUE, day=dt.date(2028, 2, 28))
    assert not Notification.objects.exists()


def test_generation_job_creates_the_months_checklists_once(people) -> None:
    from tests.factories import TouchpointFactory

    touchpoint = TouchpointFactory(function=Function.MARKETING)
    people.project.stages.add(touchpoint.stage)
    first = run_job(job=AuditJob.GENERATE_CHECKLISTS, day=dt.date(2028, 3, 1))
    assert first.created == 1
    assert run_job(job=AuditJob.GENERATE_CHECKLISTS, day=dt.date(2028, 3, 1)).created == 0


def test_scheduled_run_runs_what_is_due_in_order(people) -> None:
    selfcheck(people.project, Function.MARKETING, 2028, 2)
    results = jobs.scheduled_jobs_run(day=FEB_29)
    assert [r.job for r in results] == [AuditJob.SELFCHECK_DUE, AuditJob.MISSING_DIGEST]
    assert [r.sent for r in results] == [1, 1]
    assert jobs.scheduled_jobs_run(day=FEB_29, at=dt.time(0, 5)) == []
