"""A POST that lacks a required field is a 4xx naming the field, never a 500."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from audits.choices import ItemStatus, SelfCheckState
from audits.selfchecks.services import selfcheck_item_update, selfcheck_submit
from core import dates
from tests.audits.builders_selfchecks import build_selfcheck

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 15, 10, 0, tzinfo=dates.SHANGHAI)


@pytest.fixture
def submitted(people):
    with time_machine.travel(NOW, tick=False):
        selfcheck = build_selfcheck(people, year=2026, month=11, count=2)
        lead = people.user("lead")
        for item in selfcheck.items.all():
            selfcheck_item_update(item=item, user=lead, status=ItemStatus.NOT_DONE, note="")
        selfcheck_submit(selfcheck=selfcheck, user=lead)
        yield selfcheck


def test_reopen_without_the_reason_field_is_a_400_naming_it(client, people, submitted) -> None:
    client.force_login(people.user("inspector"))
    # As htmx sends it: the CSRF token in a header, an empty body.
    response = client.post(reverse("audits:selfcheck_reopen", args=[submitted.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "退回原因" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.state == SelfCheckState.SUBMITTED


def test_reopen_with_an_empty_reason_is_a_400_too(client, people, submitted) -> None:
    client.force_login(people.user("inspector"))
    response = client.post(reverse("audits:selfcheck_reopen", args=[submitted.pk]), {"reason": "  "})
    assert response.status_code == 400
    assert "请填写退回原因" in response.content.decode()


def test_inspection_upload_with_an_empty_body_shows_the_form_errors(client, people) -> None:
    client.force_login(people.user("inspector"))
    response = client.post(reverse("audits:inspection_import"))
    assert response.status_code == 200
    assert "这个字段是必填项" in response.content.decode() or "必填" in response.content.decode()
