"""`manage.py run_scheduled --date …` on the demo organisation."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from audits.choices import SelfCheckState
from audits.models import SelfCheck
from audits.selfchecks.services import checklists_generate
from notifications.choices import NotificationKind
from notifications.models import Notification
from tests.notifications.builders import deliver, leads_in_force
from touchpoints.choices import STAFF_GROUP_NAMES, StaffGroup

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("run_scheduled", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def february_2028() -> set[str]:
    """The demo data with February 2028's checklists generated and one of them submitted; returns the leads to remind."""
    call_command("seed_demo", stdout=StringIO())
    deliver()  # the demo's publication notices, as the worker would have sent them after seeding
    Notification.objects.all().delete()
    mail.outbox.clear()
    assert checklists_generate(year=2028, month=2) > 0
    submitted = SelfCheck.objects.filter(year=2028, month=2).order_by("project__code", "function").first()
    SelfCheck.objects.filter(pk=submitted.pk).update(state=SelfCheckState.SUBMITTED, submitted_at=timezone.now())
    open_cells = SelfCheck.objects.filter(year=2028, month=2, state=SelfCheckState.OPEN).values_list("project_id", "function")
    expected = leads_in_force(open_cells, dt.date(2028, 2, 29))
    assert expected  # the demo has open checklists with leads
    assert not leads_in_force([(submitted.project_id, submitted.function)], dt.date(2028, 2, 29)) & expected
    return expected


def test_due_date_reminds_every_lead_with_an_open_checklist_and_only_once(february_2028: set[str]) -> None:
    output = run("--date", "2028-02-29")
    reminded = set(
        Notification.objects.filter(kind=NotificationKind.SELFCHECK_DUE, period="2028-02").values_list(
            "recipient__username", flat=True
        )
    )
    assert reminded == february_2028
    operations = set(
        get_user_model().objects.filter(groups__name=STAFF_GROUP_NAMES[StaffGroup.OPERATIONS]).values_list("username", flat=True)
    )
    digest_to = set(
        Notification.objects.filter(kind=NotificationKind.MISSING_DIGEST).values_list("recipient__username", flat=True)
    )
    assert digest_to == operations
    # Every reminder e-mailed once, to the person's address.
    assert len(mail.outbox) == len(february_2028) + len(operations)
    assert f"selfcheck_due: 发送 {len(february_2028)} 条" in output

    mail.outbox.clear()
    again = run("--date", "2028-02-29")
    assert mail.outbox == []
    assert "共发送 0 条" in again
    assert Notification.objects.count() == len(february_2028) + len(operations)


def test_the_28th_of_a_leap_february_sends_no_due_date_reminder(february_2028: set[str]) -> None:
    output = run("--date", "2028-02-28")
    assert "没有到期的任务" in output
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_three_days_before_sends_the_early_reminder(february_2028: set[str]) -> None:
    run("--date", "2028-02-26")
    assert set(Notification.objects.values_list("kind", flat=True)) == {NotificationKind.SELFCHECK_DUE_SOON}
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == february_2028


def test_generation_on_the_first_and_dry_run(february_2028: set[str]) -> None:
    assert "generate_checklists" in run("--date", "2028-03-01", "--dry-run")
    assert not SelfCheck.objects.filter(year=2028, month=3).exists()
    output = run("--date", "2028-03-01")
    assert SelfCheck.objects.filter(year=2028, month=3).count() == SelfCheck.objects.filter(year=2028, month=2).count()
    assert "generate_checklists" in output
    run("--date", "2028-03-01")  # idempotent
    assert SelfCheck.objects.filter(year=2028, month=3).count() == SelfCheck.objects.filter(year=2028, month=2).count()


def test_only_the_named_job_runs(february_2028: set[str]) -> None:
    run("--date", "2028-02-29", "--job", "missing_digest")
    assert set(Notification.objects.values_list("kind", flat=True)) == {NotificationKind.MISSING_DIGEST}


def test_a_bad_date_is_refused_with_a_message() -> None:
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("--date", "2028-02-30")
