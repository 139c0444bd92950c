"""Rectifications (SPEC §14): opening from live and paper inspections, the responsible person's fallback, withdrawal
on reopening, every step of the lifecycle and every refusal, and the pure rules behind them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.http import Http404

from audits.inspections.services import inspection_finalise, inspection_import, inspection_reopen
from audits.inspections.spreadsheets import INSPECTION_COLUMNS, inspection_plan
from audits.models import Rectification, RectificationEvent, RectificationPolicy
from audits.rectifications import rules
from audits.rectifications.choices import RectificationAction, RectificationState, Responsibility
from audits.rectifications.selectors import rectification_for_verify
from audits.rectifications.services import (
    RectificationRefused,
    rectification_return,
    rectification_submit,
    rectification_verify,
)
from tests.audits.builders_inspections import AFTER_Q1, DONE, NOT_DONE, Q1, touchpoints
from tests.audits.builders_rectifications import fake_photo, finalised_cell, photo
from tests.factories import AssignmentFactory, PersonFactory
from tests.touchpoints.workbooks import workbook_bytes
from touchpoints.choices import STAFF_GROUP_NAMES, Function, Role, StaffGroup
from touchpoints.models import Assignment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _after_q1(time_machine) -> None:
    time_machine.move_to(AFTER_Q1, tick=False)  # 2026-04-05 18:00 in Shanghai


# -- the pure rules -------------------------------------------------------------------------------------------------


def test_due_date_is_the_policy_days_after_the_local_day() -> None:
    assert rules.due_date(dt.date(2026, 4, 5), 15) == dt.date(2026, 4, 20)
    with pytest.raises(ValueError):
        rules.due_date(dt.date(2026, 4, 5), 0)


def test_transitions_allow_only_the_lifecycle() -> None:
    assert rules.next_state("open", "submit") == "submitted"
    assert rules.next_state("returned", "submit") == "submitted"
    assert rules.next_state("submitted", "verify") == "verified"
    assert rules.next_state("submitted", "return") == "returned"
    assert rules.next_state("open", "withdraw") == "withdrawn"
    for state, action in [
        ("open", "verify"),
        ("open", "return"),
        ("verified", "submit"),
        ("returned", "withdraw"),
        ("submitted", "submit"),
        ("verified", "return"),
        ("withdrawn", "submit"),
    ]:
        with pytest.raises(rules.OutOfOrder):
            rules.next_state(state, action)


def test_register_state_appends_overdue_only_when_past_due_and_not_verified() -> None:
    due = dt.date(2026, 4, 20)
    assert rules.register_state(state="open", due=due, today=due) == "待整改"
    assert rules.register_state(state="open", due=due, today=due + dt.timedelta(days=1)) == "待整改·逾期"
    assert rules.register_state(state="returned", due=due, today=dt.date(2026, 5, 1)) == "已退回·逾期"
    assert rules.register_state(state="submitted", due=due, today=dt.date(2026, 5, 1)) == "已提交·逾期"
    assert rules.register_state(state="verified", due=due, today=dt.date(2026, 5, 1)) == "已验证"


def test_reminder_windows() -> None:
    due = dt.date(2026, 4, 20)
    R = rules.Reminder
    on = {day: rules.reminders_due(state="open", due=due, today=day) for day in (dt.date(2026, 4, d) for d in range(15, 31))}
    assert on[dt.date(2026, 4, 16)] == [] and on[dt.date(2026, 4, 17)] == [R.DUE_SOON]
    assert on[dt.date(2026, 4, 20)] == [R.DUE] and on[dt.date(2026, 4, 23)] == [R.ESCALATED]
    # A submitted one no longer reminds the lead, but is still escalated until verified.
    assert rules.reminders_due(state="submitted", due=due, today=dt.date(2026, 4, 20)) == []
    assert rules.reminders_due(state="submitted", due=due, today=dt.date(2026, 4, 23)) == [R.ESCALATED]
    assert rules.reminders_due(state="verified", due=due, today=dt.date(2026, 4, 23)) == []
    # Stale escalations are not sent after the catch-up period.
    assert rules.reminders_due(state="open", due=due, today=due + dt.timedelta(days=3 + rules.CATCH_UP_DAYS)) == []


# -- opening -----------------------------------------------------------------------------------------------------------


def test_finalising_opens_one_rectification_per_not_done_item(people) -> None:
    inspection = finalised_cell(people)
    rects = list(Rectification.objects.order_by("code"))
    not_done = list(inspection.items.filter(verdict=NOT_DONE).order_by("code"))
    assert [r.code for r in rects] == [i.code for i in not_done] and len(rects) == 2
    first, second = rects
    assert (first.finding, first.false_claim) == ("发现1", True)  # claimed done, found not done: 虚报
    assert (second.finding, second.false_claim) == ("发现2", False)
    assert first.responsible == people.user("lead") and first.responsibility == Responsibility.LEAD
    # Finalised on 5 April (Shanghai): due 15 days later.
    assert first.opened_on == dt.date(2026, 4, 5) and first.due_date == dt.date(2026, 4, 20)
    assert (first.year, first.quarter, first.state) == (2026, 1, RectificationState.OPEN)
    event = first.events.get()
    assert (event.action, event.by, event.state_after) == (RectificationAction.OPEN, people.user("inspector"), "open")


def test_the_policy_sets_the_due_date(people) -> None:
    RectificationPolicy.objects.create(effective_from=dt.date(2026, 1, 1), rectification_days=10, plan_days=5)
    finalised_cell(people)
    assert set(Rectification.objects.values_list("due_date", flat=True)) == {dt.date(2026, 4, 15)}


def test_without_a_lead_the_director_then_operations_are_responsible(people) -> None:
    Assignment.objects.filter(person=people.lead).update(end=dt.date(2026, 3, 31))  # left before the finalisation
    finalised_cell(people)
    assert {(r.responsible, r.responsibility) for r in Rectification.objects.all()} == {
        (people.user("director"), Responsibility.DIRECTOR)
    }
    Assignment.objects.filter(person=people.director).update(end=dt.date(2026, 3, 31))
    # A second operations user with a higher id: the first by id is chosen, every time.
    later = PersonFactory(name="后来者")
    later.user.groups.add(Group.objects.get(name=STAFF_GROUP_NAMES[StaffGroup.OPERATIONS]))
    finalised_cell(people, function=Function.DESIGN)
    design = Rectification.objects.filter(function=Function.DESIGN)
    assert {(r.responsible, r.responsibility) for r in design} == {(people.user("inspector"), Responsibility.OPERATIONS)}


def test_an_all_done_inspection_opens_nothing(people) -> None:
    finalised_cell(people, verdicts=(DONE, DONE, DONE))
    assert not Rectification.objects.exists()


def test_reopening_withdraws_the_untouched_ones_and_finalising_opens_afresh_without_duplicates(people) -> None:
    inspection = finalised_cell(people)
    worked, untouched = Rectification.objects.order_by("code")
    rectification_submit(rectification=worked, user=people.user("lead"), description="已补展板", uploads=[photo()])
    inspection_reopen(inspection=inspection, reason="复核", user=people.user("inspector"))
    worked.refresh_from_db()
    untouched.refresh_from_db()
    assert (worked.state, untouched.state) == (RectificationState.SUBMITTED, RectificationState.WITHDRAWN)
    assert untouched.events.last().action == RectificationAction.WITHDRAW
    inspection_finalise(inspection=inspection, user=people.user("inspector"))
    live = Rectification.objects.live().order_by("code")
    assert [(r.code, r.state) for r in live] == [(worked.code, "submitted"), (untouched.code, "open")]
    assert Rectification.objects.count() == 3  # the withdrawn one is kept
    assert Rectification.objects.live().filter(inspection=inspection).count() == 2


def test_the_database_refuses_a_second_live_rectification_for_an_item(people) -> None:
    from django.db import IntegrityError, transaction

    finalised_cell(people)
    rect = Rectification.objects.first()
    rect.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        rect.save()


def test_paper_inspections_open_theirs_and_replacing_one_opens_afresh(people) -> None:
    m1, m2 = touchpoints(Function.MARKETING, levels=("一级", "二级"))
    content = workbook_bytes(
        {
            "检查结果": [
                list(INSPECTION_COLUMNS),
                ["GG", "营销", m1.code, "未完成", "现场无展板"],
                ["GG", "营销", m2.code, "完成", ""],
            ]
        }
    )
    inspection_import(plan=inspection_plan(content, quarter=Q1), user=people.user("inspector"))
    rect = Rectification.objects.get()
    assert (rect.code, rect.finding, rect.responsible) == (m1.code, "现场无展板", people.user("lead"))
    # Imported again: the untouched one is withdrawn and replaced by a new one; nothing duplicated.
    inspection_import(plan=inspection_plan(content, quarter=Q1), user=people.user("inspector"))
    assert Rectification.objects.live().count() == 1 and Rectification.objects.count() == 2
    assert Rectification.objects.live().get().pk != rect.pk


# -- the lifecycle ---------------------------------------------------------------------------------------------------------


def test_submit_return_submit_verify_keeps_every_step(people) -> None:
    finalised_cell(people)
    rect = Rectification.objects.order_by("code").first()
    lead, ops = people.user("lead"), people.user("inspector")
    rect = rectification_submit(rectification=rect, user=lead, description="已补展板", uploads=[photo()])
    assert (rect.state, rect.submitted_by, rect.files.count()) == ("submitted", lead, 1)
    assert rect.files.get().content_type == "image/png"
    rect = rectification_return(rectification=rect, user=ops, comment="照片看不清")
    assert (rect.state, rect.return_comment) == ("returned", "照片看不清")
    rect = rectification_submit(rectification=rect, user=lead, description="已补展板,重新拍照", uploads=[photo("第二张.png")])
    rect = rectification_verify(rectification=rect, user=ops)
    assert (rect.state, rect.verified_by) == ("verified", ops) and rect.verified_at is not None
    log = [(e.action, e.state_before, e.state_after, e.by) for e in rect.events.order_by("at", "id")]
    assert log == [
        ("open", "", "open", ops),
        ("submit", "open", "submitted", lead),
        ("return", "submitted", "returned", ops),
        ("submit", "returned", "submitted", lead),
        ("verify", "submitted", "verified", ops),
    ]
    assert rect.history.count() >= 5


@pytest.mark.parametrize(
    ("description", "uploads", "message"),
    [
        ("", "photo", "请填写整改说明"),
        ("已整改", "none", "请上传整改证明"),
        ("已整改", "fake", "内容不是允许的类型"),
    ],
)
def test_a_bad_submission_is_refused_and_changes_nothing(people, description, uploads, message) -> None:
    finalised_cell(people)
    rect = Rectification.objects.first()
    files = {"photo": [photo()], "none": [], "fake": [photo(), fake_photo("伪装.png")]}[uploads]
    with pytest.raises(RectificationRefused, match=message):
        rectification_submit(rectification=rect, user=people.user("lead"), description=description, uploads=files)
    rect.refresh_from_db()
    assert (rect.state, rect.description, rect.files.count(), rect.events.count()) == ("open", "", 0, 1)


def test_out_of_order_steps_are_refused_and_change_nothing(people) -> None:
    finalised_cell(people)
    rect = Rectification.objects.first()
    ops, lead = people.user("inspector"), people.user("lead")
    with pytest.raises(RectificationRefused, match="只有已提交的整改才能验证"):
        rectification_verify(rectification=rect, user=ops)
    with pytest.raises(RectificationRefused, match="只有已提交的整改才能退回"):
        rectification_return(rectification=rect, user=ops, comment="x")
    rect = rectification_submit(rectification=rect, user=lead, description="已整改", uploads=[photo()])
    rect = rectification_verify(rectification=rect, user=ops)
    with pytest.raises(RectificationRefused, match="不能提交"):
        rectification_submit(rectification=rect, user=lead, description="再交一次", uploads=[photo()])
    rect.refresh_from_db()
    assert (rect.state, rect.description, rect.files.count()) == ("verified", "已整改", 1)
    assert RectificationEvent.objects.filter(rectification=rect).count() == 3


def test_verifying_or_returning_ones_own_is_refused(people) -> None:
    # The cell has no lead or director: operations is responsible and cannot verify its own fix.
    Assignment.objects.filter(person__in=[people.lead, people.director]).delete()
    finalised_cell(people)
    rect = Rectification.objects.first()
    ops = people.user("inspector")
    assert rect.responsible == ops
    rect = rectification_submit(rectification=rect, user=ops, description="已整改", uploads=[photo()])
    with pytest.raises(RectificationRefused, match="不能验证或退回自己的整改"):
        rectification_verify(rectification=rect, user=ops)
    with pytest.raises(RectificationRefused, match="不能验证或退回自己的整改"):
        rectification_return(rectification=rect, user=ops, comment="x")
    rect.refresh_from_db()
    assert rect.state == "submitted"


def test_a_return_needs_a_comment(people) -> None:
    finalised_cell(people)
    rect = Rectification.objects.first()
    rect = rectification_submit(rectification=rect, user=people.user("lead"), description="已整改", uploads=[photo()])
    with pytest.raises(RectificationRefused, match="请填写退回意见"):
        rectification_return(rectification=rect, user=people.user("inspector"), comment="  ")
    rect.refresh_from_db()
    assert rect.state == "submitted"


def test_a_fix_changes_no_score(people) -> None:
    """Scores never change: the inspection item keeps its 未完成 verdict after the fix is verified."""
    inspection = finalised_cell(people)
    rect = Rectification.objects.first()
    rect = rectification_submit(rectification=rect, user=people.user("lead"), description="已整改", uploads=[photo()])
    rectification_verify(rectification=rect, user=people.user("inspector"))
    assert inspection.items.get(code=rect.code).verdict == NOT_DONE


def test_a_lead_who_took_over_the_cell_may_submit(people) -> None:
    from core import access

    finalised_cell(people)
    rect = Rectification.objects.first()
    newcomer = AssignmentFactory(
        person__name="接任者", role=Role.FUNCTIONAL_MANAGER, project=people.project, function=Function.MARKETING
    ).person
    scope = access.scope_for(newcomer.user)
    assert access.can_submit_rectification(
        scope, project_id=rect.project_id, function=rect.function, responsible_id=rect.responsible_id
    )
    outsider = access.scope_for(people.user("outsider"))
    assert not access.can_submit_rectification(
        outsider, project_id=rect.project_id, function=rect.function, responsible_id=rect.responsible_id
    )


def _paper(m1, m2) -> bytes:
    return workbook_bytes(
        {
            "检查结果": [
                list(INSPECTION_COLUMNS),
                ["GG", "营销", m1.code, "未完成", "现场无展板"],
                ["GG", "营销", m2.code, "完成", ""],
            ]
        }
    )


def test_the_import_command_opens_rectifications(people, tmp_path) -> None:
    from django.core.management import call_command

    m1, m2 = touchpoints(Function.MARKETING, levels=("一级", "二级"))
    path = tmp_path / "paper.xlsx"
    path.write_bytes(_paper(m1, m2))
    call_command("import_inspection", "2026Q1", str(path))
    rect = Rectification.objects.get()
    assert (rect.code, rect.finding, rect.responsible, rect.due_date) == (
        m1.code,
        "现场无展板",
        people.user("lead"),
        dt.date(2026, 4, 20),
    )


def test_the_upload_page_opens_rectifications_on_confirmation_only(client, people) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    m1, m2 = touchpoints(Function.MARKETING, levels=("一级", "二级"))
    client.force_login(people.user("inspector"))
    preview = client.post(
        reverse("audits:inspection_import"), {"quarter": "2026Q1", "file": SimpleUploadedFile("p.xlsx", _paper(m1, m2))}
    )
    assert not Rectification.objects.exists()  # a preview writes nothing
    client.post(reverse("audits:inspection_import"), {"confirm": "1", "digest": preview.context["digest"]})
    rect = Rectification.objects.get()
    assert (rect.code, rect.inspection.source, rect.responsible) == (m1.code, "import", people.user("lead"))


def test_an_inspection_team_member_verifies_their_function_but_not_a_unit_they_are_assessed_in(people) -> None:
    """SPEC §14 with R5b: operations, or the function's inspection-team member, verify; never on their own unit."""
    from core import access
    from core.access import Scope, scope_for

    member = Scope(
        inspected_functions=frozenset({Function.MARKETING}), led_cells=frozenset({(people.other_project.pk, Function.DESIGN)})
    )
    assert access.can_verify_rectification(member, project_id=people.project.pk, function=Function.MARKETING)
    assert not access.can_verify_rectification(member, project_id=people.project.pk, function=Function.DESIGN)
    assert not access.can_verify_rectification(member, project_id=people.other_project.pk, function=Function.MARKETING)
    assessed = Scope(inspected_functions=frozenset({Function.MARKETING}), directed_projects=frozenset({people.project.pk}))
    assert not access.can_verify_rectification(assessed, project_id=people.project.pk, function=Function.MARKETING)
    assert not access.can_verify_rectification(Scope(), project_id=people.project.pk, function=Function.MARKETING)
    assert access.can_verify_rectification(Scope(operations=True), project_id=people.project.pk, function=Function.MARKETING)

    # End to end: the marketing department's team member (营销管理部) finds the submitted fix and verifies it.
    finalised_cell(people)
    rect = Rectification.objects.order_by("code").first()
    assert rect.function == Function.MARKETING
    rect = rectification_submit(rectification=rect, user=people.user("lead"), description="已补展板", uploads=[photo()])
    team = people.user("team_marketing")
    found = rectification_for_verify(scope=scope_for(team), pk=rect.pk)
    rect = rectification_verify(rectification=found, user=team)
    assert (rect.state, rect.verified_by) == ("verified", team)
    with pytest.raises(Http404):
        rectification_for_verify(scope=scope_for(people.user("team_design")), pk=rect.pk)


def test_the_due_date_counts_from_the_day_in_shanghai(people, time_machine) -> None:
    """Finalised at 17:30 UTC on 5 April, which is already 6 April in Shanghai: due 15 days after the 6th."""
    time_machine.move_to(dt.datetime(2026, 4, 5, 17, 30, tzinfo=dt.UTC), tick=False)
    finalised_cell(people)
    assert set(Rectification.objects.values_list("opened_on", "due_date")) == {(dt.date(2026, 4, 6), dt.date(2026, 4, 21))}
