"""The checklist's deadline badge (R8): days left before the due date, 今天截止 on it, past it a late warning; and the
page's action bar with the submit button and "next unanswered", in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from audits.selfchecks.deadlines import deadline_label
from core import dates
from tests.audits.builders_selfchecks import build_selfcheck

pytestmark = pytest.mark.django_db


def test_deadline_label() -> None:
    with translation.override("zh-hans"):
        assert deadline_label(0) == "今天截止"
        assert deadline_label(3) == "剩 3 天"
        assert deadline_label(-1) == "已过截止日,提交将记为逾期"
    with translation.override("en"):
        assert deadline_label(0) == "Due today"
        assert deadline_label(1) == "1 day left"
        assert deadline_label(2) == "2 days left"


def _badge(client, selfcheck, moment: dt.datetime) -> str:
    with time_machine.travel(moment.replace(tzinfo=dates.SHANGHAI), tick=False):
        page = client.get(reverse("audits:selfcheck_detail", args=[selfcheck.pk])).content.decode()
    if 'data-testid="deadline"' not in page:
        return ""
    badge = page[page.index('data-testid="deadline"') :]
    return badge[badge.index(">") + 1 : badge.index("</span>")]


def test_the_badge_says_due_today_on_the_due_date(client, people) -> None:
    selfcheck = build_selfcheck(people, year=2026, month=11, count=2)
    client.force_login(people.user("lead"))
    assert _badge(client, selfcheck, dt.datetime(2026, 11, 20, 10)) == ""
    assert _badge(client, selfcheck, dt.datetime(2026, 11, 28, 10)).endswith("剩 2 天")
    due_day = _badge(client, selfcheck, dt.datetime(2026, 11, 30, 23, 0))
    assert due_day.endswith("今天截止") and "剩 0 天" not in due_day
    assert _badge(client, selfcheck, dt.datetime(2026, 12, 1, 8)) == "已过截止日,提交将记为逾期"


def test_the_action_bar_is_on_the_page_for_the_lead_only(client, people, django_assert_max_num_queries) -> None:
    with time_machine.travel(dt.datetime(2026, 11, 15, 10, tzinfo=dates.SHANGHAI), tick=False):
        selfcheck = build_selfcheck(people, year=2026, month=11, count=6)
        client.force_login(people.user("lead"))
        with django_assert_max_num_queries(12):
            page = client.get(reverse("audits:selfcheck_detail", args=[selfcheck.pk])).content.decode()
        bar = page[page.index('data-testid="action-bar"') :]
        assert 'data-testid="bar-submit"' in bar and 'data-testid="next-unanswered"' in bar and "0/6 项已填" in bar
        assert page.count('class="item-standard') == 6  # the standard action is collapsed on every card
        assert "<script>" not in page and "onclick" not in page
        client.force_login(people.user("inspector"))
        assert (
            'data-testid="action-bar"' not in client.get(reverse("audits:selfcheck_detail", args=[selfcheck.pk])).content.decode()
        )
