"""SPEC §3 Frequency in the monthly checklist: only what is due that month; 按事件 items offer 本月未发生, which counts
as not applicable without a reason; generating a month twice creates nothing twice."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from audits.choices import ItemStatus
from audits.inspections.services import inspection_open
from audits.models import SelfCheck, SelfCheckItem
from audits.selfchecks.rules import progress_of
from audits.selfchecks.services import checklists_generate, selfcheck_item_update, selfcheck_submit
from core.dates import Quarter
from tests.audits.builders_selfchecks import build_touchpoints
from touchpoints.choices import Frequency, Function

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(people):
    """GG × marketing: one touchpoint of each frequency (yearly in June), none requiring a file."""
    monthly, quarterly, yearly, event = build_touchpoints(project=people.project, count=4, stage_count=1, deliverable_every=0)
    quarterly.frequency = Frequency.QUARTERLY
    yearly.frequency, yearly.yearly_month = Frequency.YEARLY, 6
    event.frequency = Frequency.EVENT
    for touchpoint in (quarterly, yearly, event):
        touchpoint.save()
    return {"monthly": monthly, "quarterly": quarterly, "yearly": yearly, "event": event}


def codes_of(month: int) -> set[str]:
    check = SelfCheck.objects.get(function=Function.MARKETING, year=2026, month=month)
    return set(check.items.values_list("code", flat=True))


@pytest.mark.parametrize(
    ("month", "due"),
    [
        (1, {"monthly", "event"}),
        (3, {"monthly", "quarterly", "event"}),  # the quarter's last month
        (5, {"monthly", "event"}),
        (6, {"monthly", "quarterly", "yearly", "event"}),  # quarter end and the yearly month
        (12, {"monthly", "quarterly", "event"}),
    ],
)
def test_a_checklist_holds_only_the_items_due_that_month(catalogue, month, due) -> None:
    """SPEC §3: quarterly → last month of the quarter; yearly → its month; monthly and event-driven every month."""
    assert checklists_generate(year=2026, month=month) == 1
    assert codes_of(month) == {catalogue[name].code for name in due}


def test_generating_twice_creates_nothing_twice(catalogue) -> None:
    assert checklists_generate(year=2026, month=6) == 1
    assert checklists_generate(year=2026, month=6) == 0
    assert SelfCheck.objects.filter(year=2026, month=6).count() == 1
    assert SelfCheckItem.objects.filter(selfcheck__month=6).count() == 4


def test_the_snapshot_keeps_the_frequency(catalogue) -> None:
    checklists_generate(year=2026, month=6)
    item = SelfCheckItem.objects.get(code=catalogue["event"].code)
    assert item.frequency == Frequency.EVENT and item.is_event_driven


def test_an_event_item_accepts_not_occurred_without_a_reason(people, catalogue) -> None:
    """SPEC §3: 本月未发生 counts as not applicable, without a reason."""
    checklists_generate(year=2026, month=5)
    item = SelfCheckItem.objects.get(code=catalogue["event"].code, selfcheck__month=5)
    selfcheck_item_update(item=item, user=people.user("lead"), status=ItemStatus.NOT_OCCURRED, note="")
    item.refresh_from_db()
    assert item.status == ItemStatus.NOT_OCCURRED and item.na_reason == ""


def test_not_occurred_is_refused_on_an_item_that_is_not_event_driven(people, catalogue) -> None:
    checklists_generate(year=2026, month=5)
    item = SelfCheckItem.objects.get(code=catalogue["monthly"].code, selfcheck__month=5)
    with pytest.raises(ValidationError, match="按事件"):
        selfcheck_item_update(item=item, user=people.user("lead"), status=ItemStatus.NOT_OCCURRED, note="")
    item.refresh_from_db()
    assert item.status == ""


def test_not_occurred_counts_like_not_applicable_in_completion() -> None:
    """SPEC §5: not-applicable items count nowhere; 本月未发生 is excluded the same way."""
    with_na = progress_of([(3, ItemStatus.DONE), (2, ItemStatus.NA)])
    with_not_occurred = progress_of([(3, ItemStatus.DONE), (2, ItemStatus.NOT_OCCURRED)])
    assert with_na == with_not_occurred
    assert (with_not_occurred.done_weight, with_not_occurred.applicable_weight) == (3, 3)


def test_a_checklist_with_not_occurred_submits_and_the_inspection_carries_the_claim(people, catalogue, time_machine) -> None:
    import datetime as dt

    time_machine.move_to(dt.datetime(2026, 5, 20, 10, tzinfo=dt.UTC), tick=False)
    checklists_generate(year=2026, month=5)
    check = SelfCheck.objects.get(month=5)
    lead = people.user("lead")
    for item in check.items.all():
        status = ItemStatus.NOT_OCCURRED if item.is_event_driven else ItemStatus.DONE
        selfcheck_item_update(item=item, user=lead, status=status, note="")
    selfcheck_submit(selfcheck=check, user=lead)
    time_machine.move_to(dt.datetime(2026, 7, 2, 10, tzinfo=dt.UTC), tick=False)
    opened = inspection_open(
        project=people.project, function=Function.MARKETING, quarter=Quarter(2026, 2), user=people.user("inspector")
    )
    claimed = dict(opened.items.values_list("code", "claimed_status"))
    assert claimed[catalogue["event"].code] == ItemStatus.NOT_OCCURRED
    assert opened.items.get(code=catalogue["event"].code).frequency == Frequency.EVENT


def test_the_page_offers_not_occurred_on_event_items_only(client, people, catalogue, time_machine) -> None:
    import datetime as dt

    time_machine.move_to(dt.datetime(2026, 5, 20, 10, tzinfo=dt.UTC), tick=False)
    checklists_generate(year=2026, month=5)
    check = SelfCheck.objects.get(month=5)
    client.force_login(people.user("lead"))
    page = client.get(reverse("audits:selfcheck_detail", args=[check.pk])).content.decode()
    event_item = check.items.get(code=catalogue["event"].code)
    monthly_item = check.items.get(code=catalogue["monthly"].code)
    assert f'id="status-{event_item.pk}-not_occurred"' in page
    assert f'id="status-{monthly_item.pk}-not_occurred"' not in page
    response = client.post(
        reverse("audits:selfcheck_item_update", args=[event_item.pk]),
        {"status": "not_occurred", "note": "", "na_reason": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "本月未发生" in response.content.decode()
