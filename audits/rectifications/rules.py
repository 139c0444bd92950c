"""Pure rules of rectifications (SPEC §14): due dates, the lifecycle, overdue, reminders and register labels.

No Django models and no database: plain dates and state codes in, plain answers out.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

DEFAULT_RECTIFICATION_DAYS = 15  # SPEC §14: a fix is due 15 days after the inspection is finalised (policy)
DEFAULT_PLAN_DAYS = 7  # SPEC §14: a fined unit's plan is due 7 days after publication (policy)
REMIND_BEFORE_DAYS = 3  # the lead is reminded three days before the due date, and on it
ESCALATE_AFTER_DAYS = 3  # the project director is told three days after the due date
# Decision: a reminder missed while the scheduler was down is caught up for this many days after its day, no longer,
# so an installation that starts (or a demo that is loaded) long after a due date does not send stale escalations.
CATCH_UP_DAYS = 14
RECENTLY_VERIFIED_DAYS = 120  # the inspection page shows fixes verified within this many days

OPEN, SUBMITTED, VERIFIED, RETURNED, WITHDRAWN = "open", "submitted", "verified", "returned", "withdrawn"
SUBMIT, VERIFY, RETURN, WITHDRAW = "submit", "verify", "return", "withdraw"

# (state, action) -> new state. Anything else is out of order and refused (SPEC §14).
TRANSITIONS: dict[tuple[str, str], str] = {
    (OPEN, SUBMIT): SUBMITTED,
    (RETURNED, SUBMIT): SUBMITTED,
    (SUBMITTED, VERIFY): VERIFIED,
    (SUBMITTED, RETURN): RETURNED,
    (OPEN, WITHDRAW): WITHDRAWN,  # only untouched ones: a returned one has been worked on
}
UNVERIFIED = frozenset({OPEN, SUBMITTED, RETURNED})
AWAITING_LEAD = frozenset({OPEN, RETURNED})

# Register labels (SPEC §10), always Chinese: the workbook is the customer's own format.
REGISTER_STATE_LABELS = {OPEN: "待整改", SUBMITTED: "已提交", VERIFIED: "已验证", RETURNED: "已退回"}
OVERDUE_SUFFIX = "逾期"


class OutOfOrder(ValueError):
    """A step the lifecycle does not allow from the current state."""


def due_date(opened_on: dt.date, days: int) -> dt.date:
    """The due date: ``days`` calendar days after the local (Asia/Shanghai) day the inspection was finalised."""
    if days < 1:
        raise ValueError("days must be positive")
    return opened_on + dt.timedelta(days=days)


def next_state(state: str, action: str) -> str:
    """The state an action leads to, or OutOfOrder."""
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise OutOfOrder(f"{action} from {state}") from None


def is_overdue(*, state: str, due: dt.date, today: dt.date) -> bool:
    """Past its due date and not verified (withdrawn ones are never overdue)."""
    return state in UNVERIFIED and today > due


def register_state(*, state: str, due: dt.date, today: dt.date) -> str:
    """状态 of the register: 待整改 / 已提交 / 已验证 / 已退回, with 逾期 appended when past due and not verified."""
    label = REGISTER_STATE_LABELS[state]
    return f"{label}·{OVERDUE_SUFFIX}" if is_overdue(state=state, due=due, today=today) else label


class Reminder(StrEnum):
    """The reminders of one rectification, each sent exactly once."""

    DUE_SOON = "due_soon"  # to the responsible person, three days before the due date
    DUE = "due"  # to the responsible person, on the due date
    ESCALATED = "escalated"  # to the project director, three days after the due date


def reminders_due(*, state: str, due: dt.date, today: dt.date) -> list[Reminder]:
    """Which reminders a rectification should have had by ``today``.

    Windows rather than single days, so a missed morning is caught up the next day; the notification's unique
    (recipient, kind, period) constraint makes each go out once. A reminder whose window has passed is not sent late
    (the due-soon one after the due date, the due one after the escalation, the escalation after CATCH_UP_DAYS).
    """
    wanted: list[Reminder] = []
    if state in AWAITING_LEAD:
        if due - dt.timedelta(days=REMIND_BEFORE_DAYS) <= today < due:
            wanted.append(Reminder.DUE_SOON)
        if due <= today < due + dt.timedelta(days=ESCALATE_AFTER_DAYS):
            wanted.append(Reminder.DUE)
    escalation = due + dt.timedelta(days=ESCALATE_AFTER_DAYS)
    if state in UNVERIFIED and escalation <= today < escalation + dt.timedelta(days=CATCH_UP_DAYS):
        wanted.append(Reminder.ESCALATED)
    return wanted


def reminder_window_start(today: dt.date) -> dt.date:
    """The earliest due date that can still need a reminder today (the end of the escalation's catch-up)."""
    return today - dt.timedelta(days=ESCALATE_AFTER_DAYS + CATCH_UP_DAYS - 1)
