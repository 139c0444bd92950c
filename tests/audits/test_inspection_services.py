"""Opening, recording, finalising and reopening inspections (R5b, R6, SPEC §3, §7)."""

from __future__ import annotations

import pytest

from audits.choices import InspectionState
from audits.inspections.services import (
    InspectionIncomplete,
    InspectionRefused,
    inspection_finalise,
    inspection_item_record,
    inspection_open,
    inspection_reopen,
)
from audits.models import Inspection, InspectionItem
from core.dates import Quarter
from tests.audits.builders_inspections import AFTER_Q1, DONE, NA, NOT_DONE, Q1, publish, sales_stage, selfcheck, touchpoints
from touchpoints.choices import Function

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _after_q1(time_machine) -> None:
    time_machine.move_to(AFTER_Q1, tick=False)


def test_open_takes_the_union_of_the_quarters_selfcheck_items_with_the_latest_claims(people) -> None:
    a, b, c = touchpoints(Function.MARKETING)
    gg = people.project
    selfcheck(gg, Function.MARKETING, 1, [(a, DONE, "一月已做"), (b, NOT_DONE, "")])
    selfcheck(gg, Function.MARKETING, 2, [(a, "", ""), (c, NA, "本月无签约")])
    # A later catalogue edit: the inspection copies the snapshot of the latest month that had the item (month 2 for a).
    a.name = "改名后的触点"
    a.save()
    selfcheck(gg, Function.MARKETING, 3, [(a, NOT_DONE, "三月未做")])
    user = people.user("inspector")

    inspection = inspection_open(project=gg, function=Function.MARKETING, quarter=Q1, user=user)

    items = {i.code: i for i in inspection.items.all()}
    assert set(items) == {a.code, b.code, c.code}
    assert items[a.code].name == "改名后的触点"  # latest month's snapshot
    assert (items[a.code].claimed_status, items[a.code].claimed_note) == (NOT_DONE, "三月未做")
    assert (items[b.code].claimed_status, items[c.code].claimed_status) == (NOT_DONE, NA)
    assert items[a.code].weight == 3 and items[c.code].weight == 1
    assert inspection.state == InspectionState.IN_PROGRESS and inspection.created_by == user
    assert inspection.history.first().history_user == user
    assert items[a.code].history.first().history_user == user
    # A second open returns the same inspection.
    again = inspection_open(project=gg, function=Function.MARKETING, quarter=Q1, user=user)
    assert again.pk == inspection.pk and Inspection.objects.count() == 1


def test_claim_comes_from_the_latest_month_that_answered(people) -> None:
    (a,) = touchpoints(Function.MARKETING, levels=("一级",))
    selfcheck(people.project, Function.MARKETING, 1, [(a, DONE, "一月")])
    selfcheck(people.project, Function.MARKETING, 2, [(a, "", "")], submitted=False)
    inspection = inspection_open(project=people.project, function=Function.MARKETING, quarter=Q1, user=None)
    item = inspection.items.get()
    assert (item.claimed_status, item.claimed_note) == (DONE, "一月")


def test_a_cell_without_checklists_is_inspected_from_the_catalogue_and_an_empty_cell_has_no_items(people) -> None:
    a, b = touchpoints(Function.DESIGN, levels=("一级", "二级"))
    people.project.stages.add(sales_stage())
    inspection = inspection_open(project=people.project, function=Function.DESIGN, quarter=Q1, user=None)
    assert sorted(inspection.items.values_list("code", flat=True)) == [a.code, b.code]
    assert not inspection.items.exclude(claimed_status="").exists()
    # R6: nothing in the catalogue for property → no inspection, nothing created.
    assert inspection_open(project=people.project, function=Function.PROPERTY, quarter=Q1, user=None) is None
    assert Inspection.objects.filter(function=Function.PROPERTY).count() == 0


def test_an_open_inspection_gains_items_added_by_later_selfchecks(people) -> None:
    a, b = touchpoints(Function.MARKETING, levels=("一级", "二级"))
    selfcheck(people.project, Function.MARKETING, 1, [(a, DONE, "")])
    inspection = inspection_open(project=people.project, function=Function.MARKETING, quarter=Q1, user=None)
    selfcheck(people.project, Function.MARKETING, 2, [(a, DONE, ""), (b, DONE, "")])
    inspection_open(project=people.project, function=Function.MARKETING, quarter=Q1, user=None)
    assert inspection.items.count() == 2


def test_opening_refuses_a_published_or_future_quarter(people) -> None:
    (a,) = touchpoints(Function.MARKETING, levels=("一级",))
    selfcheck(people.project, Function.MARKETING, 1, [(a, DONE, "")])
    with pytest.raises(InspectionRefused, match="尚未开始"):
        inspection_open(project=people.project, function=Function.MARKETING, quarter=Quarter(2026, 3), user=None)
    publish(Q1)
    with pytest.raises(InspectionRefused, match="已发布"):
        inspection_open(project=people.project, function=Function.MARKETING, quarter=Q1, user=None)
    assert not Inspection.objects.exists()


def _open_inspection(people) -> Inspection:
    a, b, c = touchpoints(Function.MARKETING)
    selfcheck(people.project, Function.MARKETING, 1, [(a, DONE, ""), (b, DONE, ""), (c, DONE, "")])
    return inspection_open(project=people.project, function=Function.MARKETING, quarter=Q1, user=people.user("inspector"))


def test_finalising_needs_a_verdict_on_every_item_and_lists_the_missing_ones(people) -> None:
    inspection = _open_inspection(people)
    user = people.user("inspector")
    first, second, third = inspection.items.order_by("code")
    inspection_item_record(item=first, verdict=DONE, finding="展板在位", user=user)
    with pytest.raises(InspectionIncomplete) as refused:
        inspection_finalise(inspection=inspection, user=user)
    assert [i.code for i in refused.value.missing] == [second.code, third.code]
    assert second.code in str(refused.value) and third.code in str(refused.value)
    inspection.refresh_from_db()
    assert inspection.state == InspectionState.IN_PROGRESS

    inspection_item_record(item=second, verdict=NOT_DONE, finding="未见寄送记录", user=user)
    inspection_item_record(item=third, verdict=NA, finding="", user=user)
    inspection_finalise(inspection=inspection, user=user)
    inspection.refresh_from_db()
    assert inspection.state == InspectionState.FINALISED and inspection.finalised_by == user
    second.refresh_from_db()
    assert second.is_discrepancy  # claimed done, found not done
    before, after = second.history.order_by("history_id")  # before and after are kept (SPEC §7)
    assert (before.verdict, after.verdict) == ("", NOT_DONE)
    assert after.history_user == user and after.finding == "未见寄送记录"


def test_a_finalised_inspection_is_read_only_until_reopened_with_a_reason(people) -> None:
    inspection = _open_inspection(people)
    user = people.user("inspector")
    for item in inspection.items.all():
        inspection_item_record(item=item, verdict=DONE, finding="", user=user)
    inspection_finalise(inspection=inspection, user=user)
    item = InspectionItem.objects.select_related("inspection").filter(inspection=inspection).first()
    with pytest.raises(InspectionRefused, match="已定稿"):
        inspection_item_record(item=item, verdict=NOT_DONE, finding="", user=user)
    with pytest.raises(InspectionRefused, match="原因"):
        inspection_reopen(inspection=inspection, reason="  ", user=user)
    inspection_reopen(inspection=inspection, reason="业主投诉复核", user=user)
    inspection.refresh_from_db()
    assert inspection.state == InspectionState.IN_PROGRESS and inspection.reopen_reason == "业主投诉复核"
    item.refresh_from_db()
    inspection_item_record(item=item, verdict=NOT_DONE, finding="复核未完成", user=user)
    assert InspectionItem.objects.get(pk=item.pk).verdict == NOT_DONE


def test_nothing_changes_once_the_quarter_is_published(people) -> None:
    inspection = _open_inspection(people)
    user = people.user("inspector")
    for item in inspection.items.all():
        inspection_item_record(item=item, verdict=DONE, finding="", user=user)
    inspection_finalise(inspection=inspection, user=user)
    publish(Q1)
    item = inspection.items.select_related("inspection").first()
    with pytest.raises(InspectionRefused, match="已发布"):
        inspection_reopen(inspection=inspection, reason="更正", user=user)
    with pytest.raises(InspectionRefused, match="已发布"):
        inspection_item_record(item=item, verdict=NOT_DONE, finding="", user=user)
    inspection.refresh_from_db()
    assert inspection.state == InspectionState.FINALISED


def test_an_unknown_verdict_is_refused(people) -> None:
    inspection = _open_inspection(people)
    item = inspection.items.select_related("inspection").first()
    with pytest.raises(InspectionRefused):
        inspection_item_record(item=item, verdict="maybe", finding="", user=None)
