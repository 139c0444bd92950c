"""Generation, answers, deliverables, submission (R8 due date and lateness) and reopening of monthly self-checks."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from audits.choices import ItemStatus, SelfCheckState
from audits.jobs import AuditJob
from audits.models import Deliverable, SelfCheck, SelfCheckItem
from audits.selfchecks.selectors import open_selfchecks
from audits.selfchecks.services import (
    checklists_generate,
    deliverable_remove,
    deliverables_add,
    selfcheck_get_or_generate,
    selfcheck_item_update,
    selfcheck_reopen,
    selfcheck_submit,
)
from core import dates, jobs
from notifications.choices import NotificationKind
from notifications.models import Notification
from tests.audits.builders_selfchecks import build_selfcheck, build_touchpoints, exe_bytes, pdf_bytes
from tests.factories import StageFactory
from touchpoints.choices import Function
from touchpoints.models import Level

pytestmark = pytest.mark.django_db


def answer_all(selfcheck, user, status=ItemStatus.NOT_DONE) -> None:
    for item in selfcheck.items.all():
        selfcheck_item_update(item=item, user=user, status=status, note="")


# -- generation -------------------------------------------------------------------------------------------------------


def test_generation_snapshots_applicable_touchpoints_once(people) -> None:
    touchpoints = build_touchpoints(project=people.project, count=6, stage_count=2)  # GG is in stages 1 and 2
    inactive = touchpoints[0]
    inactive.is_active = False
    inactive.save()
    # A design touchpoint of stage 3, a stage no project is in: it applies nowhere.
    design = build_touchpoints(project=people.other_project, function=Function.DESIGN, count=1, stage_count=1)[0]
    design.stage = StageFactory(name="交付入伙", order=6)
    design.save()
    people.other_project.stages.clear()
    assert checklists_generate(year=2026, month=11) == 1  # GG marketing only; HK is in no stage
    people.other_project.stages.add(inactive.stage)
    assert checklists_generate(year=2026, month=11) == 1  # HK marketing now applies; GG is not generated twice
    assert checklists_generate(year=2026, month=11) == 0  # idempotent
    # The registered periodic job is the same idempotent generation.
    assert jobs.job_run(job=AuditJob.GENERATE_CHECKLISTS, day=dt.date(2026, 11, 1)).created == 0
    assert not SelfCheck.objects.filter(function=Function.DESIGN).exists()
    selfcheck = SelfCheck.objects.get(project=people.project, function=Function.MARKETING, year=2026, month=11)
    codes = list(selfcheck.items.values_list("code", flat=True))
    assert len(codes) == 5 and inactive.code not in codes
    assert not SelfCheck.objects.filter(project=people.project, function=Function.DESIGN).exists()
    item = selfcheck.items.get(code=touchpoints[1].code)
    assert (item.name, item.level_name, item.weight, item.stage_name) == (
        touchpoints[1].name,
        touchpoints[1].level.name,
        touchpoints[1].level.weight,
        touchpoints[1].stage.name,
    )
    assert item.history.count() == 1  # the snapshot starts the item's history


def test_a_level_edit_changes_future_checklists_only(people) -> None:
    build_touchpoints(project=people.project, count=3)
    checklists_generate(year=2026, month=10)
    Level.objects.filter(name="一级").update(weight=5)
    checklists_generate(year=2026, month=11)
    weights = dict(SelfCheckItem.objects.filter(level_name="一级").values_list("selfcheck__month", "weight"))
    assert weights == {10: 3, 11: 5}


def test_get_or_generate_on_first_visit(people) -> None:
    assert selfcheck_get_or_generate(project=people.project, function=Function.MARKETING, year=2026, month=11) is None
    build_touchpoints(project=people.project, count=2)
    first = selfcheck_get_or_generate(project=people.project, function=Function.MARKETING, year=2026, month=11)
    again = selfcheck_get_or_generate(project=people.project, function=Function.MARKETING, year=2026, month=11)
    assert first is not None and first.pk == again.pk and first.items.count() == 2


def test_command_generates_and_refuses_bad_months(people) -> None:
    build_touchpoints(project=people.project, count=2)
    out = io.StringIO()
    call_command("generate_checklists", "2026-11", stdout=out)
    assert "新生成 1 张" in out.getvalue()
    call_command("generate_checklists", "2026-11", stdout=out)
    assert SelfCheck.objects.count() == 1
    for bad in ("2026-13", "11/2026", "next month"):
        with pytest.raises(CommandError, match="月份格式应为 2026-11"):
            call_command("generate_checklists", bad)
    with time_machine.travel(dt.datetime(2026, 12, 1, 0, 30, tzinfo=dates.SHANGHAI)):  # 16:30 UTC on Nov 30
        call_command("generate_checklists", stdout=out)
    assert SelfCheck.objects.filter(month=12).count() == 1


def test_open_selfchecks_for_reminders(people) -> None:
    selfcheck = build_selfcheck(people, year=2026, month=11, count=2, deliverable_every=0)
    assert list(open_selfchecks(year=2026, month=11)) == [selfcheck]
    answer_all(selfcheck, people.user("lead"))
    selfcheck_submit(selfcheck=selfcheck, user=people.user("lead"))
    assert list(open_selfchecks(year=2026, month=11)) == []


# -- answers and files ------------------------------------------------------------------------------------------------


def test_answers_keep_who_when_before_and_after(people) -> None:
    selfcheck = build_selfcheck(people, year=2026, month=11, count=2, deliverable_every=0)
    item = selfcheck.items.first()
    lead = people.user("lead")
    _item, changed = selfcheck_item_update(item=item, user=lead, status=ItemStatus.NOT_DONE, note="下周补")
    assert changed
    _item, changed = selfcheck_item_update(item=item, user=lead, status=ItemStatus.NOT_DONE, note="下周补")
    assert not changed  # no empty history rows
    selfcheck_item_update(item=item, user=lead, status=ItemStatus.NA, na_reason="本月未开盘", note="")
    records = list(item.history.order_by("history_date", "history_id"))
    assert [r.status for r in records] == ["", ItemStatus.NOT_DONE, ItemStatus.NA]
    assert records[-1].history_user == lead and records[-1].na_reason == "本月未开盘"
    item.refresh_from_db()
    assert item.updated_by == lead


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"status": ItemStatus.NA, "na_reason": " "}, "必须填写原因"),
        ({"status": ItemStatus.DONE}, "请先上传交付件"),
    ],
)
def test_refused_answers_change_nothing(people, kwargs, message) -> None:
    selfcheck = build_selfcheck(people, year=2026, month=11, count=1, deliverable_every=1)
    item = selfcheck.items.get()
    with pytest.raises(ValidationError, match=message):
        selfcheck_item_update(item=item, user=people.user("lead"), note="x", **kwargs)
    item.refresh_from_db()
    assert (item.status, item.note, item.history.count()) == ("", "", 1)


def test_only_the_lead_answers(people) -> None:
    selfcheck = build_selfcheck(people, year=2026, month=11, count=1)
    for role in ("director", "head", "inspector", "hr", "outsider"):
        with pytest.raises(ValidationError, match="只有本项目该职能的职能经理"):
            selfcheck_item_update(item=selfcheck.items.get(), user=people.user(role), status=ItemStatus.NOT_DONE, note="")


def test_files_are_stored_privately_and_unlock_done(people, settings) -> None:
    selfcheck = build_selfcheck(people, year=2026, month=11, count=1, deliverable_every=1)
    item = selfcheck.items.get()
    lead = people.user("lead")
    content = pdf_bytes()
    [stored] = deliverables_add(item=item, user=lead, uploads=[(io.BytesIO(content), "../../计划书.pdf", len(content))])
    path = default_storage.path(stored.file.name)
    assert path.startswith(str(settings.PRIVATE_MEDIA_ROOT)) and "static" not in stored.file.name
    assert ".." not in stored.file.name and stored.file.name.endswith(".pdf")
    assert stored.original_name == "../../计划书.pdf" and stored.content_type == "application/pdf"
    selfcheck_item_update(item=item, user=lead, status=ItemStatus.DONE, note="")
    with pytest.raises(ValidationError, match="不能删除最后一个文件"):
        deliverable_remove(deliverable=stored, user=lead)
    assert Deliverable.objects.count() == 1


def test_one_bad_file_stores_none(people) -> None:
    selfcheck = build_selfcheck(people, year=2026, month=11, count=1)
    good, bad = pdf_bytes(), exe_bytes()
    with pytest.raises(ValidationError, match="内容不是允许的类型"):
        deliverables_add(
            item=selfcheck.items.get(),
            user=people.user("lead"),
            uploads=[(io.BytesIO(good), "a.pdf", len(good)), (io.BytesIO(bad), "b.pdf", len(bad))],
        )
    assert Deliverable.objects.count() == 0


# -- submission ----------------------------------------------------------------------------------------------------


def test_submit_refuses_unanswered_items_naming_them(people) -> None:
    selfcheck = build_selfcheck(people, year=2026, month=11, count=3, deliverable_every=0)
    first = selfcheck.items.first()
    selfcheck_item_update(item=first, user=people.user("lead"), status=ItemStatus.NOT_DONE, note="")
    with pytest.raises(ValidationError) as caught:
        selfcheck_submit(selfcheck=selfcheck, user=people.user("lead"))
    message = caught.value.messages[0]
    assert "还有 2 项未填写" in message and first.code not in message
    assert all(code in message for code in selfcheck.items.exclude(pk=first.pk).values_list("code", flat=True))
    selfcheck.refresh_from_db()
    assert selfcheck.state == SelfCheckState.OPEN


@pytest.mark.parametrize(
    ("year", "month", "on_time", "late"),
    [
        (2026, 11, dt.datetime(2026, 11, 30, 23, 59, 59), dt.datetime(2026, 12, 1, 0, 0, 1)),
        (2026, 2, dt.datetime(2026, 2, 28, 23, 59, 59), dt.datetime(2026, 3, 1, 0, 0, 1)),  # R8: February → the 28th
        (2028, 2, dt.datetime(2028, 2, 29, 23, 59, 59), dt.datetime(2028, 3, 1, 0, 0, 1)),  # leap year → the 29th
    ],
)
def test_due_date_and_lateness(people, year, month, on_time, late) -> None:
    lead = people.user("lead")
    for moment, expected_late in ((on_time, False), (late, True)):
        SelfCheck.objects.all().delete()
        selfcheck = build_selfcheck(people, year=year, month=month, count=1, deliverable_every=0)
        answer_all(selfcheck, lead)
        with time_machine.travel(moment.replace(tzinfo=dates.SHANGHAI), tick=False):
            submitted = selfcheck_submit(selfcheck=selfcheck, user=lead)
        assert submitted.is_late is expected_late, moment
        assert submitted.state == SelfCheckState.SUBMITTED and submitted.submitted_by == lead


def test_submitted_checklists_are_read_only_until_reopened(people) -> None:
    selfcheck = build_selfcheck(people, year=2026, month=11, count=1, deliverable_every=0)
    lead = people.user("lead")
    answer_all(selfcheck, lead)
    selfcheck_submit(selfcheck=selfcheck, user=lead)
    item = selfcheck.items.get()
    with pytest.raises(ValidationError, match="已提交,不能再修改"):
        selfcheck_item_update(item=item, user=lead, status=ItemStatus.NA, na_reason="x", note="")
    with pytest.raises(ValidationError, match="已提交"):
        deliverables_add(item=item, user=lead, uploads=[(io.BytesIO(pdf_bytes()), "a.pdf", 100)])
    with pytest.raises(ValidationError, match="已提交"):
        selfcheck_submit(selfcheck=selfcheck, user=lead)
    with pytest.raises(ValidationError, match="只有运营管理部"):
        selfcheck_reopen(selfcheck=selfcheck, user=people.user("director"), reason="补材料")
    with pytest.raises(ValidationError, match="请填写退回原因"):
        selfcheck_reopen(selfcheck=selfcheck, user=people.user("inspector"), reason=" ")

    selfcheck_reopen(selfcheck=selfcheck, user=people.user("inspector"), reason="交付件不清晰,请补充")
    selfcheck.refresh_from_db()
    assert selfcheck.state == SelfCheckState.OPEN and selfcheck.reopen_reason == "交付件不清晰,请补充"
    assert selfcheck.submitted_at is None and not selfcheck.is_late
    assert selfcheck.history.first().history_user == people.user("inspector")
    note = Notification.objects.get(recipient=lead, kind=NotificationKind.SELFCHECK_REOPENED)
    assert "交付件不清晰" in note.body and note.url.endswith(f"/selfchecks/{selfcheck.pk}/")
    selfcheck_item_update(item=item, user=lead, status=ItemStatus.NA, na_reason="已核实", note="")
    with pytest.raises(ValidationError, match="尚未提交"):
        selfcheck_reopen(selfcheck=selfcheck, user=people.user("inspector"), reason="再退一次")


def test_reopen_command(people) -> None:
    selfcheck = build_selfcheck(people, year=2026, month=11, count=1, deliverable_every=0)
    lead = people.user("lead")
    answer_all(selfcheck, lead)
    selfcheck_submit(selfcheck=selfcheck, user=lead)
    with pytest.raises(CommandError, match="只有运营管理部"):
        call_command("reopen_selfcheck", "GG", "marketing", "2026-11", "--reason", "补", "--user", lead.username)
    with pytest.raises(CommandError, match="找不到自检表"):
        call_command("reopen_selfcheck", "GG", "design", "2026-11", "--reason", "补", "--user", lead.username)
    out = io.StringIO()
    call_command(
        "reopen_selfcheck",
        "GG",
        "marketing",
        "2026-11",
        "--reason",
        "补",
        "--user",
        people.user("inspector").username,
        stdout=out,
    )
    selfcheck.refresh_from_db()
    assert selfcheck.state == SelfCheckState.OPEN and "已退回" in out.getvalue()
