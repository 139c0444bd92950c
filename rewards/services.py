"""Writes of team splits (R14, SPEC §8): save parts, submit, review, file, send back.

Each service locks the entry's split, checks the pure rules in `rewards.rules` against fresh data, and only then writes:
a refused step raises `SplitRefused` with every reason and changes nothing. Every step adds a `SplitEvent`; parts changes
are kept by simple-history; the next actor is notified (notifications kind SPLIT_ACTION).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.access import scope_for
from notifications.choices import NotificationKind
from notifications.services import notify_later
from touchpoints.choices import StaffGroup
from touchpoints.models import Person

from .choices import SplitAction, SplitState
from .models import LedgerEntry, Split, SplitEvent, SplitPart
from .rules import SplitRefused, check_splittable, next_state, part_settlement, validate_parts
from .selectors import actors_for, entry_splitters, split_candidates, staff_users


def _locked_entry(entry: LedgerEntry) -> LedgerEntry:
    """The entry re-read under a row lock (no outer joins: PostgreSQL cannot lock the nullable side of one)."""
    return LedgerEntry.objects.select_for_update().get(pk=entry.pk)


def _check_entry(entry: LedgerEntry) -> None:
    check_splittable(
        settlement=entry.settlement,
        is_reversal=entry.reverses_id is not None,
        is_reversed=LedgerEntry.objects.filter(reverses=entry).exists(),
    )


def _snapshot(split: Split) -> list[list]:
    return [
        [p.person.employee_id, p.person.name, p.amount]
        for p in split.parts.select_related("person").order_by("person__employee_id")
    ]


def _record(*, split: Split, user, action: str, from_state: str, comment: str = "") -> SplitEvent:
    return SplitEvent.objects.create(
        split=split,
        actor=user,
        action=action,
        from_state=from_state,
        to_state=split.state,
        comment=comment.strip(),
        parts=_snapshot(split),
        at=timezone.now(),
    )


def _notify_all(*, users: Iterable, split: Split, event: SplitEvent, entry: LedgerEntry, skip=None) -> None:
    """Notify each user once, in the step's transaction (the outbox delivers after commit; nothing for a rollback).

    The period names the step's event, so a split sent back and submitted again notifies again (SPEC §9 exactly once
    per step). Stored as parameters (rewards/notices.py renders them in the reader's language).
    """
    url = reverse("rewards:split", args=[split.entry_id])
    period = f"split{split.pk}-{split.state}-{event.pk}"
    params = {
        "state": split.state,
        "quarter": f"{entry.year}Q{entry.quarter}",
        "unit_kind": entry.unit_kind,
        "unit_code": entry.unit_code,
        "unit": entry.unit_name,
        "amount": entry.amount,
        "comment": event.comment,
    }
    recipients = {u.pk: u for u in users if u is not None and (skip is None or u.pk != skip.pk)}
    for user in recipients.values():
        notify_later(user=user, kind=NotificationKind.SPLIT_ACTION, period=period, params=params, url=url)


@transaction.atomic
def split_save(*, entry: LedgerEntry, user, parts: Sequence[tuple[int, int]], submit: bool = False, comment: str = "") -> Split:
    """Save the parts of a team entry's split in draft (creating the split on first save); with `submit`, also submit it.

    R14: only the unit's director or head in the entry's quarter; parts in whole yuan among the people assigned to the
    unit in that quarter, with the entry's sign, summing exactly to its amount; only while the split is a draft.
    """
    entry = _locked_entry(entry)
    _check_entry(entry)
    split = Split.objects.select_for_update().filter(entry=entry).first()
    state = split.state if split is not None else SplitState.DRAFT
    next_state(state=state, action=SplitAction.SAVE, actors=actors_for(scope=scope_for(user), entry=entry))
    candidates = split_candidates(entry=entry)
    kept = validate_parts(amount=entry.amount, parts=parts, candidates=candidates)

    now = timezone.now()
    if split is None:
        split = Split.objects.create(entry=entry, state=SplitState.DRAFT, created_by=user, created_at=now, updated_at=now)
    wanted = dict(kept)
    for part in split.parts.all():
        if part.person_id not in wanted:
            part.delete()
            continue
        amount, settlement = wanted.pop(part.person_id), part_settlement(candidates[part.person_id])
        if (part.amount, part.settlement) != (amount, settlement):
            part.amount, part.settlement = amount, settlement
            part.save(update_fields=["amount", "settlement"])
    for person_id, amount in wanted.items():
        SplitPart.objects.create(
            split=split, person_id=person_id, amount=amount, settlement=part_settlement(candidates[person_id])
        )
    split.updated_at = now
    split.save(update_fields=["updated_at"])
    _record(split=split, user=user, action=SplitAction.SAVE, from_state=state, comment=comment if not submit else "")
    if submit:
        split = _step(split=split, user=user, action=SplitAction.SUBMIT, comment=comment)
    return split


def _step(*, split: Split, user, action: str, comment: str = "") -> Split:
    entry = _locked_entry(split.entry)
    split = Split.objects.select_for_update().get(pk=split.pk)
    _check_entry(entry)
    actors = actors_for(scope=scope_for(user), entry=entry)
    from_state = split.state
    target = next_state(state=from_state, action=action, actors=actors, comment=comment)
    if action == SplitAction.SUBMIT:
        # The parts must still hold when submitted: the people assigned, and the exact sum (R14).
        parts = list(split.parts.values_list("person_id", "amount"))
        validate_parts(amount=entry.amount, parts=parts, candidates=split_candidates(entry=entry))
    split.state = target
    split.updated_at = timezone.now()
    split.save(update_fields=["state", "updated_at"])
    event = _record(split=split, user=user, action=action, from_state=from_state, comment=comment)
    _notify_next(split=split, entry=entry, event=event, user=user)
    return split


def _notify_next(*, split: Split, entry: LedgerEntry, event: SplitEvent, user) -> None:
    """Tell whoever acts next (R14): operations after a submission, HR after a review, the director/head otherwise."""
    splitter_users = [p.user for p in entry_splitters(entry=entry) if p.user_id]
    if split.state == SplitState.SUBMITTED:
        users = staff_users(StaffGroup.OPERATIONS)
    elif split.state == SplitState.REVIEWED:
        users = staff_users(StaffGroup.HR)
    elif split.state == SplitState.FILED:
        part_users = [p.user for p in Person.objects.filter(split_parts__split=split).select_related("user") if p.user_id]
        users = splitter_users + part_users
    else:  # sent back to draft
        users = splitter_users
    _notify_all(users=users, split=split, event=event, entry=entry, skip=user)


@transaction.atomic
def split_submit(*, split: Split, user, comment: str = "") -> Split:
    """Draft → submitted, by the unit's director or head in the entry's quarter (R14); the parts must still sum exactly."""
    return _step(split=split, user=user, action=SplitAction.SUBMIT, comment=comment)


@transaction.atomic
def split_review(*, split: Split, user, comment: str = "") -> Split:
    """Submitted → reviewed, by operations (R14)."""
    return _step(split=split, user=user, action=SplitAction.REVIEW, comment=comment)


@transaction.atomic
def split_file(*, split: Split, user, comment: str = "") -> Split:
    """Reviewed → filed, by HR (R14). A filed split is final."""
    return _step(split=split, user=user, action=SplitAction.FILE, comment=comment)


@transaction.atomic
def split_send_back(*, split: Split, user, comment: str) -> Split:
    """Back to draft with a comment: operations from submitted or reviewed, HR from reviewed (R14)."""
    return _step(split=split, user=user, action=SplitAction.SEND_BACK, comment=comment)


SPLIT_STEPS = {
    SplitAction.SUBMIT: split_submit,
    SplitAction.REVIEW: split_review,
    SplitAction.FILE: split_file,
    SplitAction.SEND_BACK: split_send_back,
}

__all__ = [
    "SPLIT_STEPS",
    "SplitRefused",
    "split_file",
    "split_review",
    "split_save",
    "split_send_back",
    "split_submit",
]
