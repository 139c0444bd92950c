"""Copy last month (沿用上月, SPEC §16): answers, notes and still-valid files copied into this month's unanswered items,
each marked until touched, nothing submitted; refused once the month is submitted; only the cell's lead."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from audits.choices import ItemStatus, SelfCheckState
from audits.models import Deliverable, SelfCheck
from audits.selfchecks.copying import selfcheck_copy_last_month
from audits.selfchecks.services import (
    checklists_generate,
    deliverable_remove,
    deliverables_add,
    selfcheck_item_update,
    selfcheck_submit,
)
from core import dates
from tests.audits.builders_selfchecks import build_touchpoints, pdf_bytes
from touchpoints.choices import Function

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 5, 3, 10, 0, tzinfo=dates.SHANGHAI)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def months(people):
    """April submitted with: item 0 done with a file, item 1 N/A with a reason, item 2 not done with a note, item 3 done
    with a file that has since gone bad. May is open and empty."""
    tps = build_touchpoints(project=people.project, count=5, deliverable_every=1)
    checklists_generate(year=2026, month=4)
    checklists_generate(year=2026, month=5)
    april = SelfCheck.objects.get(project=people.project, function=Function.MARKETING, year=2026, month=4)
    lead = people.user("lead")
    items = {item.code: item for item in april.items.all()}
    for index in (0, 3):
        content = pdf_bytes(2000 + index)
        deliverables_add(
            item=items[tps[index].code],
            user=lead,
            uploads=[(SimpleUploadedFile("计划书.pdf", content), "计划书.pdf", len(content))],
        )
        selfcheck_item_update(item=items[tps[index].code], user=lead, status=ItemStatus.DONE, note="已寄送")
    selfcheck_item_update(item=items[tps[1].code], user=lead, status=ItemStatus.NA, na_reason="本月无签约", note="")
    selfcheck_item_update(item=items[tps[2].code], user=lead, status=ItemStatus.NOT_DONE, note="延期到下月")
    selfcheck_item_update(item=items[tps[4].code], user=lead, status=ItemStatus.NA, na_reason="未开盘", note="")
    bad = Deliverable.objects.get(item=items[tps[3].code])
    with bad.file.storage.open(bad.file.name, "wb") as handle:
        handle.write(b"%PDF-1.4 tampered")
    selfcheck_submit(selfcheck=april, user=lead)
    may = SelfCheck.objects.get(project=people.project, function=Function.MARKETING, year=2026, month=5)
    return tps, april, may


def answers(selfcheck):
    return {i.code: (i.status, i.na_reason, i.note, i.copied_from_last_month, i.files.count()) for i in selfcheck.items.all()}


def test_copy_brings_answers_notes_and_valid_files_and_marks_each_item(people, months) -> None:
    tps, april, may = months
    # The lead already answered item 4 this month: that answer is kept.
    selfcheck_item_update(
        item=may.items.get(code=tps[4].code), user=people.user("lead"), status=ItemStatus.NOT_DONE, note="本月已开盘"
    )
    outcome = selfcheck_copy_last_month(selfcheck=may, user=people.user("lead"))
    assert (outcome.items, outcome.files, outcome.skipped_files) == (4, 1, 1)
    got = answers(may)
    assert got[tps[0].code] == (ItemStatus.DONE, "", "已寄送", True, 1)
    assert got[tps[1].code] == (ItemStatus.NA, "本月无签约", "", True, 0)
    assert got[tps[2].code] == (ItemStatus.NOT_DONE, "", "延期到下月", True, 0)
    # Its file is no longer intact, so "done" is not copied (the touchpoint needs a deliverable); the note is.
    assert got[tps[3].code] == ("", "", "已寄送", True, 0)
    assert got[tps[4].code] == (ItemStatus.NOT_DONE, "", "本月已开盘", False, 0)
    may.refresh_from_db()
    assert may.state == SelfCheckState.OPEN and may.submitted_at is None
    # The file is a copy under a new name, with the same content: removing April's never touches May's.
    copied = Deliverable.objects.get(item__selfcheck=may)
    original = Deliverable.objects.get(item__selfcheck=april, item__code=tps[0].code)
    assert copied.file.name != original.file.name and copied.sha256 == original.sha256
    assert copied.file.open("rb").read() == original.file.open("rb").read()
    history = may.items.get(code=tps[0].code).history.first()
    assert history.history_change_reason == "沿用上月" and history.history_user == people.user("lead")


def test_touching_an_item_ends_its_mark(people, months) -> None:
    tps, _april, may = months
    selfcheck_copy_last_month(selfcheck=may, user=people.user("lead"))
    item = may.items.get(code=tps[2].code)
    selfcheck_item_update(
        item=item,
        user=people.user("lead"),
        status=ItemStatus.DONE if not item.requires_deliverable else ItemStatus.NOT_DONE,
        note="已改",
    )
    assert not may.items.get(code=tps[2].code).copied_from_last_month
    item0 = may.items.get(code=tps[0].code)
    selfcheck_item_update(item=item0, user=people.user("lead"), status=ItemStatus.NOT_DONE, note="已寄送")
    item0.refresh_from_db()
    assert not item0.copied_from_last_month
    item1 = may.items.get(code=tps[1].code)
    content = pdf_bytes()
    deliverables_add(
        item=item1, user=people.user("lead"), uploads=[(SimpleUploadedFile("a.pdf", content), "a.pdf", len(content))]
    )
    assert not may.items.get(code=tps[1].code).copied_from_last_month
    assert may.items.get(code=tps[3].code).copied_from_last_month  # untouched


def test_removing_a_copied_file_ends_the_mark(people, months) -> None:
    tps, _april, may = months
    selfcheck_copy_last_month(selfcheck=may, user=people.user("lead"))
    item = may.items.get(code=tps[0].code)
    selfcheck_item_update(item=item, user=people.user("lead"), status=ItemStatus.NOT_DONE, note="已寄送")
    type(item).objects.filter(pk=item.pk).update(copied_from_last_month=True)
    deliverable_remove(deliverable=item.files.get(), user=people.user("lead"))
    assert not may.items.get(code=tps[0].code).copied_from_last_month


def test_refused_once_submitted_without_a_previous_month_or_for_anyone_but_the_lead(people, months) -> None:
    _tps, april, may = months
    with pytest.raises(ValidationError, match="已提交"):
        selfcheck_copy_last_month(selfcheck=april, user=people.user("lead"))
    for role in ("director", "head", "inspector", "outsider"):
        with pytest.raises(ValidationError, match="职能经理"):
            selfcheck_copy_last_month(selfcheck=may, user=people.user(role))
    march = SelfCheck.objects.create(project=people.project, function=Function.MARKETING, year=2026, month=3)
    with pytest.raises(ValidationError, match="没有上月"):
        selfcheck_copy_last_month(selfcheck=march, user=people.user("lead"))
    assert all(not v[3] for v in answers(may).values())
    selfcheck_copy_last_month(selfcheck=may, user=people.user("lead"))
    with pytest.raises(ValidationError, match="没有可沿用"):  # a second copy finds nothing left to fill
        selfcheck_copy_last_month(selfcheck=may, user=people.user("lead"))


def test_copy_button_posts_and_only_the_lead_sees_it(client, people, months) -> None:
    _tps, _april, may = months
    url = f"/audits/selfchecks/{may.pk}/copy-last-month/"
    client.force_login(people.user("director"))
    assert 'data-testid="copy-last-month"' not in client.get(f"/audits/selfchecks/{may.pk}/").content.decode()
    assert client.post(url).status_code == 404
    client.force_login(people.user("lead"))
    page = client.get(f"/audits/selfchecks/{may.pk}/").content.decode()
    assert 'data-testid="copy-last-month"' in page
    assert client.get(url).status_code == 405  # a GET never writes
    response = client.post(url, follow=True)
    assert "已沿用上月 5 项的填写内容和 1 个交付件" in response.content.decode()
    assert response.content.decode().count('data-testid="copied"') == 5
    response = client.post(url, follow=True)
    assert "没有可沿用的内容" in response.content.decode()
