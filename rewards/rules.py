"""The pure rules of team splits (R14, SPEC §8) and of ledger states: plain values in, plain values or `SplitRefused` out.

Nothing here reads the database. The services load the entry, the people assigned in its quarter and the user's
standing, hand them to these functions, and write only when they pass — so a refused split changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext as _

from scoring.choices import Settlement

from .choices import LedgerStatus, SplitAction, SplitState


class SplitRefused(Exception):
    """A split or a step was refused; carries every reason, in words a user can act on. Nothing has been changed."""

    def __init__(self, messages: Iterable[str]):
        self.messages = list(messages)
        super().__init__("；".join(self.messages))


class Actor(StrEnum):
    """In which capacity someone acts on a split (R14)."""

    SPLITTER = "splitter"  # the unit's project director or function head in the entry's quarter
    OPERATIONS = "operations"  # 运营管理部 reviews
    HR = "hr"  # 人力资源行政部 files


@dataclass(frozen=True)
class Step:
    """One allowed step: from which states, to which state, by whom, and whether a comment is required."""

    sources: frozenset[str]
    target: str
    actors: frozenset[Actor]
    needs_comment: bool = False


# R14: draft → submitted (director/head) → reviewed (operations) → filed (HR). Parts change only in draft.
STEPS: dict[str, Step] = {
    SplitAction.SAVE: Step(frozenset({SplitState.DRAFT}), SplitState.DRAFT, frozenset({Actor.SPLITTER})),
    SplitAction.SUBMIT: Step(frozenset({SplitState.DRAFT}), SplitState.SUBMITTED, frozenset({Actor.SPLITTER})),
    SplitAction.REVIEW: Step(frozenset({SplitState.SUBMITTED}), SplitState.REVIEWED, frozenset({Actor.OPERATIONS})),
    SplitAction.FILE: Step(frozenset({SplitState.REVIEWED}), SplitState.FILED, frozenset({Actor.HR})),
    SplitAction.SEND_BACK: Step(
        frozenset({SplitState.SUBMITTED, SplitState.REVIEWED}),
        SplitState.DRAFT,
        frozenset({Actor.OPERATIONS, Actor.HR}),
        needs_comment=True,
    ),
}


def _actor_label(actor: Actor) -> str:
    return {
        Actor.SPLITTER: _("本单元的项目总监或职能负责人"),
        Actor.OPERATIONS: _("运营管理部"),
        Actor.HR: _("人力资源行政部"),
    }[actor]


def _state_label(state: str) -> str:
    return str(SplitState(state).label)


def money(amount: int) -> str:
    """¥ with thousands separators and the sign in front: ¥3,000 / -¥3,000."""
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,}"


def check_splittable(*, settlement: str, is_reversal: bool, is_reversed: bool) -> None:
    """Only a live team entry is split: R15 settles property through its service fee; reversals are never split."""
    if settlement != Settlement.TEAM:
        raise SplitRefused([_("服务费结算的条目(物业)不分配到个人,按服务费调整结算(R15)。")])
    if is_reversal:
        raise SplitRefused([_("冲销条目不分配。")])
    if is_reversed:
        raise SplitRefused([_("该条目已因结果修订被冲销,不能再分配。")])


def next_state(*, state: str, action: str, actors: Iterable[Actor], comment: str = "") -> str:
    """The state a split moves to when someone acting as `actors` takes `action` in `state`, or `SplitRefused`.

    R14: a step out of order, by the wrong person, or a send-back without a comment is refused. HR sends back only what
    operations has reviewed; operations sends back what is submitted or reviewed.
    """
    step = STEPS.get(action)
    if step is None:
        raise SplitRefused([_("未知操作:{action}").format(action=action)])
    held = frozenset(actors) & step.actors
    if action == SplitAction.SEND_BACK and held == {Actor.HR} and state != SplitState.REVIEWED:
        raise SplitRefused([_("人力资源行政部只能退回运营已审核的分配。")])
    if not held:
        who = "、".join(_actor_label(a) for a in sorted(step.actors))
        raise SplitRefused([_("只有{who}可以执行「{action}」。").format(who=who, action=SplitAction(action).label)])
    if state not in step.sources:
        allowed = "、".join(_state_label(s) for s in sorted(step.sources))
        raise SplitRefused(
            [
                _("当前状态为「{state}」,不能执行「{action}」(仅限「{allowed}」状态)。").format(
                    state=_state_label(state), action=SplitAction(action).label, allowed=allowed
                )
            ]
        )
    if step.needs_comment and not comment.strip():
        raise SplitRefused([_("退回时请填写意见,说明需要修改什么。")])
    return step.target


@dataclass(frozen=True)
class Candidate:
    """A person assigned to the unit during the entry's quarter, who may receive a part."""

    person_id: int
    employee_id: str
    name: str
    roles: tuple[str, ...] = ()
    property_function: bool = False  # assigned to the unit for the property function (the project's property manager)


def part_settlement(candidate: Candidate) -> str:
    """SPEC §8 Decision (R15): a part given to a person of the property function — who works for the property company —
    is settled through the company's service fee (服务费结算), never as pay to the person; every other part is 团队奖惩."""
    return Settlement.SERVICE_FEE if candidate.property_function else Settlement.TEAM


def validate_parts(
    *, amount: int, parts: Sequence[tuple[int, int]], candidates: Mapping[int, Candidate]
) -> tuple[tuple[int, int], ...]:
    """R14: parts are whole yuan, one per person, among the people assigned in the quarter, and sum exactly to `amount`.

    `parts` are (person id, amount) pairs; a zero part means "nothing for this person" and is dropped. Every part has
    the entry's sign (a penalty splits into negative parts). Returns the parts kept, ordered by employee id; raises
    `SplitRefused` listing every problem otherwise.
    """
    errors: list[str] = []
    seen: set[int] = set()
    kept: list[tuple[int, int]] = []
    for person_id, part in parts:
        if isinstance(part, bool) or not isinstance(part, int):
            errors.append(_("分配金额必须是整数元,收到「{value}」。").format(value=part))
            continue
        if person_id in seen:
            errors.append(_("同一人只能有一条分配(人员 {id} 重复)。").format(id=person_id))
            continue
        seen.add(person_id)
        candidate = candidates.get(person_id)
        if candidate is None:
            errors.append(_("人员 {id} 在该季度未在本考核单元任职,不能参与分配。").format(id=person_id))
            continue
        if part == 0:
            continue
        if (part > 0) != (amount > 0):
            if amount < 0:
                errors.append(
                    _("{name}({eid}):罚款分配必须为负数,收到 {part}。").format(
                        name=candidate.name, eid=candidate.employee_id, part=part
                    )
                )
            else:
                errors.append(
                    _("{name}({eid}):奖励分配必须为正数,收到 {part}。").format(
                        name=candidate.name, eid=candidate.employee_id, part=part
                    )
                )
            continue
        kept.append((person_id, part))
    if not errors and not kept:
        errors.append(_("请至少为一人分配金额。"))
    total = sum(part for _person, part in kept)
    if not errors and total != amount:
        errors.append(
            _("分配合计 {total} 与条目金额 {amount} 不一致(相差 {diff}),合计必须正好等于条目金额。").format(
                total=money(total), amount=money(amount), diff=money(amount - total)
            )
        )
    if errors:
        raise SplitRefused(errors)
    return tuple(sorted(kept, key=lambda p: (candidates[p[0]].employee_id, p[0])))


def even_parts(*, amount: int, count: int) -> tuple[int, ...]:
    """`amount` split as evenly as whole yuan allow among `count` people; the first ones get the extra yuan. Sums exactly."""
    if count <= 0:
        return ()
    sign = -1 if amount < 0 else 1
    base, extra = divmod(abs(amount), count)
    return tuple(sign * (base + (1 if i < extra else 0)) for i in range(count))


def ledger_status(*, settlement: str, is_reversal: bool, is_reversed: bool, split_state: str | None) -> LedgerStatus:
    """What HR reads in 状态 (SPEC §10): 冲销 / 已冲销 first, then 服务费调整 (R15), then the split's state."""
    if is_reversal:
        return LedgerStatus.REVERSAL
    if is_reversed:
        return LedgerStatus.REVERSED
    if settlement == Settlement.SERVICE_FEE:
        return LedgerStatus.SERVICE_FEE
    if split_state is None:
        return LedgerStatus.UNSPLIT
    return LedgerStatus(split_state)
