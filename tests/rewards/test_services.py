"""Splitting a team entry (R14): who may, among whom, how much, in which order — refused with a reason, nothing changed."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from notifications.choices import NotificationKind
from notifications.models import Notification
from rewards.choices import SplitAction, SplitState
from rewards.models import LedgerEntry, Split, SplitEvent, SplitPart
from rewards.rules import SplitRefused
from rewards.services import split_file, split_review, split_save, split_send_back, split_submit
from scoring.choices import UnitKind
from tests.factories import AssignmentFactory
from tests.rewards.builders import publish, reward
from touchpoints.choices import Role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def frozen():
    with time_machine.travel(dt.datetime(2026, 4, 15, 10, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a service as a request would: its on-commit notifications are sent when it returns."""

    def run(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return run


def snapshot() -> tuple:
    """Everything a refused split must leave untouched."""
    return (
        list(Split.objects.values_list("pk", "state", "updated_at").order_by("pk")),
        list(SplitPart.objects.values_list("split_id", "person_id", "amount").order_by("pk")),
        SplitEvent.objects.count(),
        SplitPart.history.count(),
        Notification.objects.count(),
    )


def filled(people, ledger) -> Split:
    return split_save(
        entry=ledger.gg,
        user=people.user("director"),
        parts=[(people.director.pk, 1200), (people.lead.pk, 1000), (ledger.member.pk, 800)],
    )


def test_the_director_saves_a_split_that_sums_exactly(people, ledger) -> None:
    split = filled(people, ledger)
    assert split.state == SplitState.DRAFT and split.created_by == people.user("director")
    assert dict(split.parts.values_list("person__name", "amount")) == {"张伟": 1200, "杨帆": 1000, "陈晨": 800}
    event = split.events.get()
    assert (event.action, event.from_state, event.to_state) == (SplitAction.SAVE, SplitState.DRAFT, SplitState.DRAFT)
    assert sorted(p[2] for p in event.parts) == [800, 1000, 1200]


def test_the_function_head_splits_a_function_penalty_into_negative_parts(people, ledger) -> None:
    split = split_save(
        entry=ledger.marketing,
        user=people.user("head"),
        parts=[(people.head.pk, -2000), (ledger.marketing_member.pk, -1000)],
        submit=True,
    )
    assert split.state == SplitState.SUBMITTED
    assert sum(split.parts.values_list("amount", flat=True)) == -3000


def test_a_split_that_does_not_sum_to_the_amount_is_refused_and_nothing_changes(people, ledger) -> None:
    filled(people, ledger)
    before = snapshot()
    with pytest.raises(SplitRefused) as info:
        split_save(entry=ledger.gg, user=people.user("director"), parts=[(people.director.pk, 1000), (people.lead.pk, 1000)])
    assert "分配合计 ¥2,000 与条目金额 ¥3,000 不一致" in str(info.value)
    assert snapshot() == before


def test_a_first_split_that_does_not_sum_creates_nothing(people, ledger) -> None:
    with pytest.raises(SplitRefused):
        split_save(entry=ledger.gg, user=people.user("director"), parts=[(people.director.pk, 2999)])
    assert not Split.objects.exists() and not SplitEvent.objects.exists()


@pytest.mark.parametrize("role", ["lead", "head", "inspector", "hr", "outsider"])
def test_only_the_units_director_may_split_a_project_entry(people, ledger, role) -> None:
    before = snapshot()
    with pytest.raises(SplitRefused, match="只有本单元的项目总监或职能负责人可以执行「保存分配」"):
        split_save(entry=ledger.gg, user=people.user(role), parts=[(people.director.pk, 3000)])
    assert snapshot() == before


def test_the_director_of_a_project_may_not_split_a_function_entry(people, ledger) -> None:
    with pytest.raises(SplitRefused, match="只有本单元的项目总监或职能负责人"):
        split_save(entry=ledger.marketing, user=people.user("director"), parts=[(people.head.pk, -3000)])
    assert not Split.objects.exists()


def test_a_director_appointed_after_the_quarter_may_not_split_it(people, ledger) -> None:
    newcomer = AssignmentFactory(
        person__name="新总监", role=Role.PROJECT_DIRECTOR, project=people.project, start=dt.date(2026, 4, 1)
    ).person
    with pytest.raises(SplitRefused, match="只有本单元的项目总监"):
        split_save(entry=ledger.gg, user=newcomer.user, parts=[(people.director.pk, 3000)])
    assert not Split.objects.exists()


def test_a_director_who_left_after_the_quarter_still_splits_it(people, ledger) -> None:
    people.director.assignments.update(end=dt.date(2026, 3, 31))
    split = split_save(entry=ledger.gg, user=people.director.user, parts=[(people.director.pk, 3000)])
    assert split.parts.get().amount == 3000


@pytest.mark.parametrize("who", ["former", "outsider", "head"])
def test_a_person_not_assigned_to_the_unit_in_that_quarter_is_refused(people, ledger, who) -> None:
    person = getattr(ledger, who, None) or getattr(people, who)
    filled(people, ledger)
    before = snapshot()
    with pytest.raises(SplitRefused, match=f"人员 {person.pk} 在该季度未在本考核单元任职"):
        split_save(entry=ledger.gg, user=people.user("director"), parts=[(people.director.pk, 2000), (person.pk, 1000)])
    assert snapshot() == before


def test_someone_who_joined_after_the_quarter_is_not_a_candidate(people, ledger) -> None:
    late = AssignmentFactory(role=Role.TEAM_MEMBER, project=people.project, start=dt.date(2026, 4, 2)).person
    with pytest.raises(SplitRefused, match="未在本考核单元任职"):
        split_save(entry=ledger.gg, user=people.user("director"), parts=[(late.pk, 3000)])


def test_the_whole_flow_records_every_step_and_notifies_the_next_actor(people, ledger, committed) -> None:
    split = filled(people, ledger)
    split = committed(split_submit, split=split, user=people.user("director"), comment="按贡献分配")
    assert split.state == SplitState.SUBMITTED
    assert Notification.objects.filter(recipient=people.user("inspector"), kind=NotificationKind.SPLIT_ACTION).count() == 1
    split = committed(split_review, split=split, user=people.user("inspector"))
    assert split.state == SplitState.REVIEWED
    assert Notification.objects.filter(recipient=people.user("hr"), kind=NotificationKind.SPLIT_ACTION).count() == 1
    split = committed(split_file, split=split, user=people.user("hr"))
    assert split.state == SplitState.FILED
    steps = list(split.events.values_list("action", "from_state", "to_state", "actor__username", "comment"))
    assert steps == [
        ("save", "draft", "draft", people.director.employee_id, ""),
        ("submit", "draft", "submitted", people.director.employee_id, "按贡献分配"),
        ("review", "submitted", "reviewed", people.inspector.employee_id, ""),
        ("file", "reviewed", "filed", people.hr.employee_id, ""),
    ]
    # Filing tells the director and everyone with a part.
    told = set(Notification.objects.filter(params__state="filed").values_list("recipient__username", flat=True))
    assert told == {people.director.employee_id, people.lead.employee_id, ledger.member.employee_id}
    # A filed split is final.
    with pytest.raises(SplitRefused, match="当前状态为「已备案」"):
        split_save(entry=ledger.gg, user=people.user("director"), parts=[(people.director.pk, 3000)])
    with pytest.raises(SplitRefused, match="当前状态为「已备案」"):
        split_send_back(split=split, user=people.user("inspector"), comment="再看看")


@pytest.mark.parametrize(
    ("steps", "action", "role", "message"),
    [
        ([], split_review, "inspector", "当前状态为「草稿」,不能执行「审核通过」"),
        ([], split_file, "hr", "当前状态为「草稿」,不能执行「备案」"),
        (["submit"], split_file, "hr", "当前状态为「已提交」,不能执行「备案」"),
        (["submit"], split_submit, "director", "当前状态为「已提交」,不能执行「提交审核」"),
        (["submit"], split_review, "director", "只有运营管理部可以执行「审核通过」"),
        (["submit"], split_review, "hr", "只有运营管理部可以执行「审核通过」"),
        (["submit", "review"], split_file, "inspector", "只有人力资源行政部可以执行「备案」"),
        (["submit"], split_send_back, "hr", "人力资源行政部只能退回运营已审核的分配"),
        ([], split_send_back, "inspector", "当前状态为「草稿」"),
    ],
)
def test_a_step_out_of_order_or_by_the_wrong_person_is_refused_and_nothing_changes(
    people, ledger, steps, action, role, message, django_capture_on_commit_callbacks
) -> None:
    split = filled(people, ledger)
    if "submit" in steps:
        split = split_submit(split=split, user=people.user("director"))
    if "review" in steps:
        split = split_review(split=split, user=people.user("inspector"))
    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(SplitRefused) as info:
        action(split=split, user=people.user(role), comment="意见")
    assert message in str(info.value)
    assert snapshot() == before and callbacks == []  # nothing written, nobody told


def test_parts_cannot_change_once_submitted(people, ledger) -> None:
    split_submit(split=filled(people, ledger), user=people.user("director"))
    before = snapshot()
    with pytest.raises(SplitRefused, match="当前状态为「已提交」,不能执行「保存分配」"):
        split_save(entry=ledger.gg, user=people.user("director"), parts=[(people.director.pk, 3000)])
    assert snapshot() == before


def test_send_back_with_a_comment_returns_to_draft_and_the_director_can_fix_and_resubmit(people, ledger, committed) -> None:
    split = committed(split_submit, split=filled(people, ledger), user=people.user("director"))
    with pytest.raises(SplitRefused, match="退回时请填写意见"):
        split_send_back(split=split, user=people.user("inspector"), comment="")
    split = committed(split_send_back, split=split, user=people.user("inspector"), comment="陈晨本季度贡献更大")
    assert split.state == SplitState.DRAFT
    sent_back = Notification.objects.get(recipient=people.user("director"), params__state="draft")
    assert "陈晨本季度贡献更大" in sent_back.body and sent_back.url == f"/rewards/entries/{ledger.gg.pk}/split/"
    split = committed(
        split_save,
        entry=ledger.gg,
        user=people.user("director"),
        parts=[(people.director.pk, 1000), (ledger.member.pk, 2000)],
        submit=True,
    )
    assert split.state == SplitState.SUBMITTED
    # The second submission notifies operations again (a new period per step).
    assert Notification.objects.filter(recipient=people.user("inspector"), params__state="submitted").count() == 2
    # Parts changes are kept with history: who had what before.
    lead_history = SplitPart.history.filter(person=people.lead).order_by("history_date", "history_id")
    assert [(h.history_type, h.amount) for h in lead_history] == [("+", 1000), ("-", 1000)]
    member_history = SplitPart.history.filter(person=ledger.member).order_by("history_date", "history_id")
    assert [(h.history_type, h.amount) for h in member_history] == [("+", 800), ("~", 2000)]
    # HR may send back what operations reviewed.
    split = split_review(split=split, user=people.user("inspector"))
    split = split_send_back(split=split, user=people.user("hr"), comment="金额与考勤不符")
    assert split.state == SplitState.DRAFT
    assert list(split.events.values_list("action", flat=True)) == [
        "save",
        "submit",
        "send_back",
        "save",
        "submit",
        "review",
        "send_back",
    ]


def test_submitting_rechecks_the_parts_against_the_quarters_people(people, ledger) -> None:
    split = filled(people, ledger)
    # The member's assignment is corrected: they only joined after the quarter.
    ledger.member.assignments.update(start=dt.date(2026, 4, 2))
    before = snapshot()
    with pytest.raises(SplitRefused, match="未在本考核单元任职"):
        split_submit(split=split, user=people.user("director"))
    assert snapshot() == before


def test_service_fee_entries_are_not_split(people, ledger) -> None:
    head = AssignmentFactory(role=Role.FUNCTION_HEAD, function="property").person
    with pytest.raises(SplitRefused, match="服务费结算的条目"):
        split_save(entry=ledger.property, user=head.user, parts=[(head.pk, 3000)])
    assert not Split.objects.exists()


def test_an_amended_quarter_reverses_entries_and_the_reversed_ones_can_no_longer_be_split(people, ledger) -> None:
    split = filled(people, ledger)
    q1v2 = publish(2026, 1, [reward(UnitKind.PROJECT, "GG", "东原·光谷印", 3000)], version=2, supersedes=ledger.q1)
    reversals = LedgerEntry.objects.filter(result=q1v2, reverses__isnull=False)
    assert sorted(reversals.values_list("unit_code", "amount")) == [("GG", -3000), ("marketing", 3000), ("property", -3000)]
    with pytest.raises(SplitRefused, match="已因结果修订被冲销"):
        split_submit(split=split, user=people.user("director"))
    reversal = reversals.get(unit_code="GG")
    with pytest.raises(SplitRefused, match="冲销条目不分配"):
        split_save(entry=reversal, user=people.user("director"), parts=[(people.director.pk, -3000)])
    fresh = LedgerEntry.objects.get(result=q1v2, reverses__isnull=True)
    assert split_save(entry=fresh, user=people.user("director"), parts=[(people.director.pk, 3000)]).entry == fresh
