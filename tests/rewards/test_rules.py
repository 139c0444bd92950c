"""The pure rules of splits (R14): parts, steps, states. No database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rewards.choices import LedgerStatus, SplitAction, SplitState
from rewards.rules import (
    Actor,
    Candidate,
    SplitRefused,
    check_splittable,
    even_parts,
    ledger_status,
    money,
    next_state,
    validate_parts,
)
from scoring.choices import Settlement

PEOPLE = {
    1: Candidate(1, "E0001", "张伟", ("项目总监",)),
    2: Candidate(2, "E0002", "杨帆", ("职能经理",)),
    3: Candidate(3, "E0003", "陈晨", ("团队成员",)),
}


def test_parts_that_sum_exactly_are_kept_in_employee_order_and_zero_parts_dropped() -> None:
    assert validate_parts(amount=3000, parts=[(3, 1000), (1, 2000), (2, 0)], candidates=PEOPLE) == ((1, 2000), (3, 1000))


def test_a_penalty_splits_into_negative_parts() -> None:
    assert validate_parts(amount=-3000, parts=[(1, -1500), (2, -1500)], candidates=PEOPLE) == ((1, -1500), (2, -1500))


def test_parts_that_do_not_sum_to_the_amount_are_refused_with_the_difference() -> None:
    with pytest.raises(SplitRefused) as info:
        validate_parts(amount=3000, parts=[(1, 1000), (2, 1000)], candidates=PEOPLE)
    assert info.value.messages == ["分配合计 ¥2,000 与条目金额 ¥3,000 不一致(相差 ¥1,000),合计必须正好等于条目金额。"]


def test_a_part_with_the_wrong_sign_is_refused_even_if_the_sum_matches() -> None:
    with pytest.raises(SplitRefused) as info:
        validate_parts(amount=-3000, parts=[(1, -4000), (2, 1000)], candidates=PEOPLE)
    assert "罚款分配必须为负数" in str(info.value) and "杨帆" in str(info.value)
    with pytest.raises(SplitRefused, match="奖励分配必须为正数"):
        validate_parts(amount=3000, parts=[(1, 4000), (2, -1000)], candidates=PEOPLE)


def test_a_person_not_assigned_in_the_quarter_is_refused() -> None:
    with pytest.raises(SplitRefused, match="人员 9 在该季度未在本考核单元任职"):
        validate_parts(amount=3000, parts=[(1, 2000), (9, 1000)], candidates=PEOPLE)


def test_duplicates_non_integers_and_empty_splits_are_refused() -> None:
    with pytest.raises(SplitRefused, match="重复"):
        validate_parts(amount=3000, parts=[(1, 1500), (1, 1500)], candidates=PEOPLE)
    with pytest.raises(SplitRefused, match="整数"):
        validate_parts(amount=3000, parts=[(1, 1500.5), (2, 1499.5)], candidates=PEOPLE)
    with pytest.raises(SplitRefused, match="整数"):
        validate_parts(amount=1, parts=[(1, True)], candidates=PEOPLE)
    with pytest.raises(SplitRefused, match="至少为一人"):
        validate_parts(amount=3000, parts=[(1, 0)], candidates=PEOPLE)


@given(amount=st.integers(min_value=-100_000, max_value=100_000).filter(bool), count=st.integers(min_value=1, max_value=40))
def test_even_parts_always_pass_validation(amount: int, count: int) -> None:
    parts = even_parts(amount=amount, count=count)
    assert sum(parts) == amount and len(parts) == count
    assert max(parts) - min(parts) <= 1
    candidates = {i: Candidate(i, f"E{i:04d}", f"员工{i}") for i in range(count)}
    kept = validate_parts(amount=amount, parts=list(enumerate(parts)), candidates=candidates)
    assert sum(p for _i, p in kept) == amount


@pytest.mark.parametrize(
    ("state", "action", "actors", "target"),
    [
        (SplitState.DRAFT, SplitAction.SAVE, {Actor.SPLITTER}, SplitState.DRAFT),
        (SplitState.DRAFT, SplitAction.SUBMIT, {Actor.SPLITTER}, SplitState.SUBMITTED),
        (SplitState.SUBMITTED, SplitAction.REVIEW, {Actor.OPERATIONS}, SplitState.REVIEWED),
        (SplitState.REVIEWED, SplitAction.FILE, {Actor.HR}, SplitState.FILED),
        (SplitState.SUBMITTED, SplitAction.SEND_BACK, {Actor.OPERATIONS}, SplitState.DRAFT),
        (SplitState.REVIEWED, SplitAction.SEND_BACK, {Actor.OPERATIONS}, SplitState.DRAFT),
        (SplitState.REVIEWED, SplitAction.SEND_BACK, {Actor.HR}, SplitState.DRAFT),
    ],
)
def test_the_steps_of_r14(state, action, actors, target) -> None:
    assert next_state(state=state, action=action, actors=actors, comment="请核对") == target


@pytest.mark.parametrize(
    ("state", "action", "actors", "message"),
    [
        (SplitState.DRAFT, SplitAction.REVIEW, {Actor.OPERATIONS}, "当前状态为「草稿」,不能执行「审核通过」"),
        (SplitState.SUBMITTED, SplitAction.FILE, {Actor.HR}, "当前状态为「已提交」,不能执行「备案」"),
        (SplitState.FILED, SplitAction.SAVE, {Actor.SPLITTER}, "当前状态为「已备案」,不能执行「保存分配」"),
        (SplitState.SUBMITTED, SplitAction.SUBMIT, {Actor.SPLITTER}, "不能执行「提交审核」"),
        (SplitState.FILED, SplitAction.SEND_BACK, {Actor.OPERATIONS}, "当前状态为「已备案」"),
        (SplitState.SUBMITTED, SplitAction.SEND_BACK, {Actor.HR}, "人力资源行政部只能退回运营已审核的分配"),
        (SplitState.DRAFT, SplitAction.SUBMIT, {Actor.OPERATIONS}, "只有本单元的项目总监或职能负责人可以执行「提交审核」"),
        (SplitState.SUBMITTED, SplitAction.REVIEW, {Actor.SPLITTER, Actor.HR}, "只有运营管理部可以执行「审核通过」"),
        (SplitState.REVIEWED, SplitAction.FILE, {Actor.OPERATIONS}, "只有人力资源行政部可以执行「备案」"),
        (SplitState.DRAFT, SplitAction.SAVE, set(), "只有本单元的项目总监或职能负责人"),
    ],
)
def test_steps_out_of_order_or_by_the_wrong_person_are_refused(state, action, actors, message) -> None:
    with pytest.raises(SplitRefused) as info:
        next_state(state=state, action=action, actors=actors, comment="意见")
    assert message in str(info.value)


def test_sending_back_needs_a_comment() -> None:
    with pytest.raises(SplitRefused, match="退回时请填写意见"):
        next_state(state=SplitState.SUBMITTED, action=SplitAction.SEND_BACK, actors={Actor.OPERATIONS}, comment="  ")


def test_only_live_team_entries_are_split() -> None:
    check_splittable(settlement=Settlement.TEAM, is_reversal=False, is_reversed=False)
    with pytest.raises(SplitRefused, match="服务费"):
        check_splittable(settlement=Settlement.SERVICE_FEE, is_reversal=False, is_reversed=False)
    with pytest.raises(SplitRefused, match="冲销条目不分配"):
        check_splittable(settlement=Settlement.TEAM, is_reversal=True, is_reversed=False)
    with pytest.raises(SplitRefused, match="已因结果修订被冲销"):
        check_splittable(settlement=Settlement.TEAM, is_reversal=False, is_reversed=True)


def test_ledger_status_reads_reversal_marks_first_then_service_fee_then_split_state() -> None:
    def status(settlement=Settlement.TEAM, reversal=False, reversed_=False, split=None):
        return ledger_status(settlement=settlement, is_reversal=reversal, is_reversed=reversed_, split_state=split)

    assert status() == LedgerStatus.UNSPLIT and status().label == "未分配"
    assert status(split=SplitState.FILED) == LedgerStatus.FILED
    assert status(settlement=Settlement.SERVICE_FEE) == LedgerStatus.SERVICE_FEE
    assert status(reversed_=True, split=SplitState.FILED).label == "已冲销"
    assert status(reversal=True, settlement=Settlement.SERVICE_FEE).label == "冲销"


def test_money_puts_the_sign_before_the_yen() -> None:
    assert (money(3000), money(-3000), money(0), money(1234567)) == ("¥3,000", "-¥3,000", "¥0", "¥1,234,567")


def test_a_part_for_a_person_of_the_property_function_is_settled_through_the_service_fee() -> None:
    """SPEC §8 Decision (R15): the project's property manager works for the property company."""
    from rewards.rules import part_settlement

    assert part_settlement(Candidate(4, "E0004", "钱物业", ("职能经理",), property_function=True)) == Settlement.SERVICE_FEE
    assert part_settlement(PEOPLE[2]) == Settlement.TEAM
