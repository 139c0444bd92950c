"""Freshness: every page is rendered from the database on every view, so a change shows at once, for every user, on
the next view (no page or fragment cache). These commit (transaction=True), as a live server does.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from audits.models import SelfCheck, SelfCheckItem
from audits.selfchecks.services import selfcheck_reopen, selfcheck_submit
from core import dates
from notifications.choices import NotificationKind
from notifications.services import notify_later
from tests.audits.builders_selfchecks import build_selfcheck
from tests.factories import build_people
from touchpoints.models import Assignment

pytestmark = pytest.mark.django_db(transaction=True)
HTMX = {"HTTP_HX_REQUEST": "true"}
NOW = dt.datetime(2026, 11, 15, 10, 0, tzinfo=dates.SHANGHAI)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def people():
    return build_people()


@pytest.fixture
def checklist(people) -> SelfCheck:
    return build_selfcheck(people, year=2026, month=11, count=4, deliverable_every=0)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(client: Client, selfcheck: SelfCheck) -> str:
    response = client.get(reverse("audits:selfcheck_detail", args=[selfcheck.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_tick_shows_at_once_on_the_next_page_view(people, checklist) -> None:
    client = signed_in(people.user("lead"))
    item = checklist.items.first()
    assert "现场核实完毕" not in page(client, checklist)
    response = client.post(
        reverse("audits:selfcheck_item_update", args=[item.pk]), {"status": "done", "note": "现场核实完毕"}, **HTMX
    )
    assert response.status_code == 200
    assert "现场核实完毕" in page(client, checklist)


def test_a_change_made_elsewhere_shows_on_every_users_next_view(people, checklist) -> None:
    lead, director, inspector = people.user("lead"), people.user("director"), people.user("inspector")
    clients = {user: signed_in(user) for user in (lead, director, inspector)}
    for client in clients.values():
        assert 'data-testid="state"><i class="bi bi-pencil-square"></i>' in page(client, checklist)
    SelfCheckItem.objects.filter(selfcheck=checklist).update(status="not_done")  # as a service or a task would
    selfcheck_submit(selfcheck=checklist, user=lead)
    for client in clients.values():
        assert "已提交" in page(client, checklist)
    selfcheck_reopen(selfcheck=SelfCheck.objects.get(pk=checklist.pk), user=inspector, reason="附件不清晰,请补充")
    for client in clients.values():
        assert "附件不清晰,请补充" in page(client, checklist)


def test_each_user_gets_their_own_body(people, checklist) -> None:
    lead_page = page(signed_in(people.user("lead")), checklist)
    director_page = page(signed_in(people.user("director")), checklist)
    assert 'data-testid="open-submit"' in lead_page
    assert 'data-testid="open-submit"' not in director_page
    assert "只有本项目该职能的职能经理可以填写" in director_page


def test_losing_access_is_a_404_on_the_next_view(people, checklist) -> None:
    director = people.user("director")
    client = signed_in(director)
    page(client, checklist)
    Assignment.objects.filter(person__user=director).update(end=dates.local_today() - dt.timedelta(days=1))
    response = client.get(reverse("audits:selfcheck_detail", args=[checklist.pk]))
    assert response.status_code == 404


def test_the_days_left_follow_the_date(people, checklist) -> None:
    client = signed_in(people.user("lead"))
    assert "剩 " not in page(client, checklist)  # 15 November: 15 days to the 30th
    with time_machine.travel(dt.datetime(2026, 11, 28, 10, 0, tzinfo=dates.SHANGHAI), tick=False):
        client = signed_in(people.user("lead"))  # the session of 15 November has expired (SESSION_ABSOLUTE_SECONDS)
        assert "剩 2 天" in page(client, checklist)


def test_every_view_carries_a_fresh_valid_csrf_token(people, checklist) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.user("lead"))
    tokens = set()
    for _ in range(3):
        html = page(client, checklist)
        tokens.update(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))
    assert len(tokens) >= 3, "masked afresh on every view"
    item = checklist.items.first()
    for token in tokens:
        response = client.post(
            reverse("audits:selfcheck_item_update", args=[item.pk]),
            {"status": "not_done", "note": token[:8], "csrfmiddlewaretoken": token},
            **HTMX,
        )
        assert response.status_code == 200, "every token served is accepted"


def test_a_message_is_shown_once(people, checklist) -> None:
    client = signed_in(people.user("lead"))
    page(client, checklist)
    SelfCheckItem.objects.filter(selfcheck=checklist).update(status="not_done")
    response = client.post(reverse("audits:selfcheck_submit", args=[checklist.pk]), follow=True)
    assert "自检表已提交" in response.content.decode()
    assert "自检表已提交。" not in page(client, checklist), "a message is shown once"


def test_the_unread_badge_follows_new_notifications(people, checklist) -> None:
    lead = people.user("lead")
    client = signed_in(lead)
    assert 'text-bg-danger">1<' not in page(client, checklist).replace(" ", "")
    params = {"legacy": {"subject": "自检表被退回", "body": "请补充附件"}}
    notify_later(user=lead, kind=NotificationKind.SELFCHECK_DUE_SOON, period="2026-11", params=params)
    assert 'text-bg-danger">1</span>' in page(client, checklist)


def test_the_board_follows_changes_too(people, checklist) -> None:
    client = signed_in(people.user("inspector"))
    board = reverse("audits:board", args=["2026Q4"])
    november_on_time = 'data-month="11" data-month-state="on_time"'
    assert november_on_time not in client.get(board).content.decode()
    SelfCheckItem.objects.filter(selfcheck=checklist).update(status="done")
    selfcheck_submit(selfcheck=checklist, user=people.user("lead"))
    assert november_on_time in client.get(board).content.decode()
