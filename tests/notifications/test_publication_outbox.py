"""Publication writes its notifications to the outbox (SPEC §7): one row in the
publication's transaction, a fixed number of queries however many people are assessed, no e-mail rendered."""

from __future__ import annotations

import pytest
import time_machine
from django.core import mail
from django.test.signals import template_rendered

from notifications.choices import DeliveryState, DispatchState, NotificationKind
from notifications.delivery import outbox_deliver
from notifications.models import Dispatch, Notification
from scoring.services import quarter_publish
from tests.factories import AssignmentFactory
from tests.scoring.builders import Q1, after, build_worked_example
from touchpoints.choices import Function, Role

pytestmark = pytest.mark.django_db


def publish(django_assert_max_num_queries, limit: int):
    rendered: list[str] = []

    def record(sender, template, **kwargs) -> None:
        rendered.append(template.name)

    template_rendered.connect(record)
    try:
        with time_machine.travel(after(Q1, days=10), tick=False), django_assert_max_num_queries(limit):
            quarter_publish(quarter=Q1, user=None)
    finally:
        template_rendered.disconnect(record)
    return rendered


@pytest.mark.parametrize("extra", [0, 120])
def test_publishing_writes_one_outbox_row_in_a_fixed_number_of_queries(people, django_assert_max_num_queries, extra) -> None:
    build_worked_example()
    for n in range(extra):  # more people assessed: team members of the project and of the marketing function
        unit = {"project": people.project, "function": ""} if n % 2 else {"project": None, "function": Function.MARKETING}
        AssignmentFactory(role=Role.TEAM_MEMBER, person__name=f"成员{n}", **unit)
    rendered = publish(django_assert_max_num_queries, 20)  # ≤ 20 queries, whatever the head count
    assert [name for name in rendered if name.startswith("emails/")] == []  # no e-mail rendered in the request
    assert mail.outbox == [] and not Notification.objects.exists()
    dispatch = Dispatch.objects.get()
    assert (dispatch.kind, dispatch.period, dispatch.state) == (
        NotificationKind.RESULT_PUBLISHED,
        "2026Q1v1",
        DispatchState.PENDING,
    )
    assert len(dispatch.recipients) == 4 + extra

    report = outbox_deliver()  # the worker, after commit
    assert report.notified == 4 + extra and report.emailed == 4 + extra
    assert Notification.objects.filter(email_state=DeliveryState.SENT).count() == 4 + extra
    assert Dispatch.objects.get().state == DispatchState.DONE
    assert outbox_deliver().notified == 0  # exactly once


def test_the_notice_renders_each_readers_own_units_in_their_language(people) -> None:
    from django.utils import translation

    build_worked_example()
    with time_machine.travel(after(Q1, days=10), tick=False):
        quarter_publish(quarter=Q1, user=None)
    outbox_deliver()
    note = Notification.objects.get(recipient=people.head.user)
    assert "units" in note.params and "营销" not in str(note.params)  # a function unit is stored by its code
    with translation.override("zh-hans"):
        assert "营销:得分 66.67%,等级 B-" in Notification.objects.get(pk=note.pk).body
    with translation.override("en"):
        english = Notification.objects.get(pk=note.pk)
        assert english.subject == "Q1 2026 results published"
        assert "Marketing: score 66.67%, grade B-" in english.body
