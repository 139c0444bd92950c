"""The self-check deadline as the lead sees it (R8): 今天截止 on the due day, and the overdue months listed
with links on the lead's home."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from audits.choices import SelfCheckState
from audits.models import SelfCheck
from audits.selfchecks.deadlines import deadline_label, lead_overdue
from audits.selfchecks.services import checklists_generate
from core.access import scope_for
from tests.audits.builders_selfchecks import build_touchpoints
from touchpoints.choices import Function
from touchpoints.services import catalogue_load_default


def shanghai(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def test_deadline_label_says_today_on_the_due_day() -> None:
    assert deadline_label(0) == "今天截止"
    assert deadline_label(2) == "剩 2 天"
    assert deadline_label(-1) == "已过截止日,提交将记为逾期"
    assert "0 天" not in deadline_label(0)


@pytest.mark.django_db
@pytest.mark.parametrize(("day", "badge"), [(dt.date(2026, 11, 30), "今天截止"), (dt.date(2026, 11, 28), "剩 2 天")])
def test_home_deadline_badge_on_and_before_the_due_day(client, people, day, badge) -> None:
    catalogue_load_default()
    client.force_login(people.user("lead"))
    with time_machine.travel(shanghai(day), tick=False):
        page = client.get(reverse("home")).content.decode()
    assert badge in page and "剩 0 天" not in page
    assert 'data-testid="deadline-badge"' in page


@pytest.mark.django_db
def test_lead_home_lists_overdue_months_with_links_until_submitted(client, people) -> None:
    build_touchpoints(project=people.project, count=4)
    build_touchpoints(project=people.other_project, function=Function.DESIGN, count=2)
    for month in (9, 10, 11):
        checklists_generate(year=2026, month=month)
    mine = SelfCheck.objects.filter(project=people.project, function=Function.MARKETING).order_by("month")
    september, october, november = list(mine)
    SelfCheck.objects.filter(pk=september.pk).update(state=SelfCheckState.SUBMITTED, submitted_at=timezone.now())
    client.force_login(people.user("lead"))
    with time_machine.travel(shanghai(dt.date(2026, 11, 30)), tick=False):
        page = client.get(reverse("home")).content.decode()
        overdue = lead_overdue(scope=scope_for(people.user("lead")), today=dt.date(2026, 11, 30))
    # October is past its due date (30 October) and open; September was submitted; November is due today.
    assert [o.selfcheck_id for o in overdue] == [october.pk]
    assert 'data-testid="home-overdue"' in page
    assert reverse("audits:selfcheck_detail", args=[october.pk]) in page
    assert reverse("audits:selfcheck_detail", args=[september.pk]) not in page.split('data-testid="home-overdue"')[1]
    assert "逾期 31 天" in page
    # The other lead's overdue checklists are not listed.
    others = SelfCheck.objects.exclude(project=people.project, function=Function.MARKETING)
    assert all(reverse("audits:selfcheck_detail", args=[c.pk]) not in page for c in others)
    SelfCheck.objects.filter(pk=october.pk).update(state=SelfCheckState.SUBMITTED, submitted_at=timezone.now())
    with time_machine.travel(shanghai(dt.date(2026, 11, 30)), tick=False):
        page = client.get(reverse("home")).content.decode()
    assert 'data-testid="home-overdue"' not in page
    assert november.pk  # this month's checklist is not overdue on its due day
