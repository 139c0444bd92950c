"""Rectification plans (整改方案, SPEC §14): opened by publication for every unit fined under R13, filed by the
director or head, acknowledged by operations, reminded and escalated exactly once."""

from __future__ import annotations

import datetime as dt
import io
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from audits.models import InspectionItem, RectificationPolicy
from core.dates import SHANGHAI
from notifications.models import Notification
from scoring.models import PlanState, RectificationPlan
from scoring.plans import PlanRefused, plan_acknowledge, plan_period, plan_submit
from scoring.services import quarter_amend, quarter_publish
from tests.audits.builders_selfchecks import exe_bytes, png_bytes
from tests.factories import AssignmentFactory
from touchpoints.choices import Function, Role

from .builders import Q1, after, build_worked_example

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(people):
    """SPEC §12 published on 1 April 2026: only engineering is fined (8/16 = 50%). Its head is 钱工程."""
    AssignmentFactory(person__name="钱工程", role=Role.FUNCTION_HEAD, function=Function.ENGINEERING)
    build_worked_example()
    with time_machine.travel(after(Q1), tick=False):
        result = quarter_publish(quarter=Q1, user=people.user("inspector"))
    return result


def test_publication_opens_a_plan_for_every_fined_unit_only(published) -> None:
    plan = RectificationPlan.objects.get()
    assert (plan.unit_kind, plan.unit_code, plan.amount, plan.state) == ("function", "engineering", -3000, "pending")
    assert plan.owner.person.name == "钱工程"
    assert (plan.opened_on, plan.due_date) == (dt.date(2026, 4, 1), dt.date(2026, 4, 8))  # 7 days (policy)


def test_the_policy_sets_the_plan_days_and_an_amendment_adds_no_duplicate(people) -> None:
    RectificationPolicy.objects.create(effective_from=dt.date(2026, 1, 1), rectification_days=15, plan_days=10)
    inspections = build_worked_example()
    with time_machine.travel(after(Q1), tick=False):
        quarter_publish(quarter=Q1, user=None)
        # A correction: one of GG marketing's done items was not done after all, so marketing is now fined (7/15).
        item = inspections[("GG", "marketing")].items.filter(weight=3).order_by("code").first()
        InspectionItem.objects.filter(pk=item.pk).update(verdict="not_done")
        quarter_amend(quarter=Q1, user=people.user("inspector"), reason="复核")
    # Engineering's plan is not opened twice; marketing, newly fined, owes one.
    assert sorted(RectificationPlan.objects.values_list("unit_code", "due_date")) == [
        ("engineering", dt.date(2026, 4, 11)),
        ("marketing", dt.date(2026, 4, 11)),
    ]


def test_file_then_acknowledge_and_every_refusal(published, people) -> None:
    plan = RectificationPlan.objects.get()
    head = plan.owner
    ops = people.user("inspector")
    with pytest.raises(PlanRefused, match="只有已提交的方案才能确认"):
        plan_acknowledge(plan=plan, user=ops)
    with pytest.raises(PlanRefused, match="请填写整改方案"):
        plan_submit(plan=plan, user=head, text=" ", upload=None)
    bad = exe_bytes()
    with pytest.raises(PlanRefused, match="内容不是允许的类型"):
        plan_submit(plan=plan, user=head, text="加强工程节点管控", upload=(io.BytesIO(bad), "方案.pdf", len(bad)))
    plan.refresh_from_db()
    assert (plan.state, plan.text, bool(plan.file)) == ("pending", "", False)
    good = png_bytes()
    plan = plan_submit(plan=plan, user=head, text="加强工程节点管控", upload=(io.BytesIO(good), "方案.png", len(good)))
    assert (plan.state, plan.submitted_by, plan.file_name, plan.file_type) == ("submitted", head, "方案.png", "image/png")
    plan = plan_acknowledge(plan=plan, user=ops)
    assert (plan.state, plan.acknowledged_by) == (PlanState.ACKNOWLEDGED, ops)
    with pytest.raises(PlanRefused, match="不能再修改"):
        plan_submit(plan=plan, user=head, text="改一下", upload=None)
    assert [h.history_change_reason for h in plan.history.order_by("history_id")] == [
        "提交整改方案",
        "确认整改方案",
    ]


def test_plan_reminders_exactly_once_and_escalated_to_operations(published, people) -> None:
    plan = RectificationPlan.objects.get()
    day = dt.date(2026, 4, 2)
    while day <= dt.date(2026, 5, 10):
        with time_machine.travel(dt.datetime.combine(day, dt.time(9), tzinfo=SHANGHAI), tick=False):
            for _twice in range(2):
                call_command("run_scheduled", "--date", day.isoformat(), "--job", "plan_reminders", stdout=StringIO())
        day += dt.timedelta(days=1)
    sent = sorted(
        (n.kind, n.recipient.username, n.created_at.astimezone(SHANGHAI).date())
        for n in Notification.objects.filter(period=plan_period(plan))
    )
    assert sent == sorted(
        [
            ("plan_due_soon", plan.owner.username, dt.date(2026, 4, 5)),
            ("plan_due", plan.owner.username, dt.date(2026, 4, 8)),
            ("plan_escalated", people.user("inspector").username, dt.date(2026, 4, 11)),
        ]
    )


def test_a_filed_plan_is_not_reminded(published) -> None:
    plan = RectificationPlan.objects.get()
    plan_submit(plan=plan, user=plan.owner, text="方案", upload=None)
    for day in ("2026-04-05", "2026-04-08", "2026-04-11"):
        call_command("run_scheduled", "--date", day, "--job", "plan_reminders", stdout=StringIO())
    assert not Notification.objects.filter(period=plan_period(plan)).exists()
