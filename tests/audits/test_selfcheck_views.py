"""The self-check pages: who may do what (a permission matrix), bad input, htmx answers, overviews, the home panel,
and fixed query counts on the page leads use most."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audits.choices import ItemStatus, SelfCheckState
from audits.models import Deliverable, SelfCheck
from audits.selfchecks.services import checklists_generate, deliverables_add, selfcheck_item_update, selfcheck_submit
from core import dates
from tests.audits.builders_selfchecks import build_selfcheck, build_touchpoints, exe_bytes, pdf_bytes, png_bytes
from tests.factories import ProjectFactory
from touchpoints.choices import Function

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
NOW = dt.datetime(2026, 11, 15, 10, 0, tzinfo=dates.SHANGHAI)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def checklist(people):
    selfcheck = build_selfcheck(people, year=2026, month=11, count=2, deliverable_every=1)
    item = selfcheck.items.first()
    content = pdf_bytes()
    [file] = deliverables_add(
        item=item, user=people.user("lead"), uploads=[(upload("计划书.pdf", content), "计划书.pdf", len(content))]
    )
    return selfcheck, item, file


# -- the permission matrix ------------------------------------------------------------------------------------------

# R5b: the marketing inspection-team member reads the marketing cells they inspect (claims and deliverables).
READERS = {"lead", "director", "head", "inspector", "hr", "team_marketing"}


def request_kind(client, kind: str, selfcheck, item, file):
    if kind == "page":
        return client.get(reverse("audits:selfcheck_detail", args=[selfcheck.pk]))
    if kind == "open":
        return client.get(reverse("audits:selfcheck_open", args=["GG", "marketing", "2026-11"]))
    if kind == "item_update":
        return client.post(reverse("audits:selfcheck_item_update", args=[item.pk]), {"status": "not_done", "note": "x"}, **HTMX)
    if kind == "upload":
        return client.post(
            reverse("audits:selfcheck_item_upload", args=[item.pk]), {"files": [upload("b.pdf", pdf_bytes())]}, **HTMX
        )
    if kind == "download":
        return client.get(reverse("audits:selfcheck_file_download", args=[file.pk]))
    if kind == "history":
        return client.get(reverse("audits:selfcheck_item_history", args=[item.pk]), **HTMX)
    if kind == "history_page":
        return client.get(reverse("audits:selfcheck_item_history", args=[item.pk]))
    if kind == "file_delete":
        return client.post(reverse("audits:selfcheck_file_delete", args=[file.pk]), **HTMX)
    if kind == "submit_page":
        return client.get(reverse("audits:selfcheck_submit", args=[selfcheck.pk]))
    if kind == "submit":
        return client.post(reverse("audits:selfcheck_submit", args=[selfcheck.pk]))
    if kind == "reopen":
        return client.post(reverse("audits:selfcheck_reopen", args=[selfcheck.pk]), {"reason": "补材料"})
    if kind == "confirm":
        return client.post(reverse("audits:selfcheck_confirm", args=[selfcheck.pk]))
    if kind == "return":
        return client.post(reverse("audits:selfcheck_return", args=[selfcheck.pk]), {"comment": "请补充"})
    raise AssertionError(kind)


# kind -> roles allowed and the status they get; everyone else signed in gets 404, anonymous users go to login.
MATRIX = {
    "page": (READERS, 200),
    "open": (READERS, 302),
    "download": (READERS, 200),
    "history": (READERS, 200),  # loaded when opened, access-checked like the page
    "history_page": (READERS, 200),
    "item_update": ({"lead"}, 200),
    "upload": ({"lead"}, 200),
    "file_delete": ({"lead"}, 200),
    "submit_page": ({"lead"}, 200),
    "submit": ({"lead"}, 302),
    "reopen": ({"inspector"}, 302),
    "confirm": ({"director"}, 302),  # R5a: the project's director only (refused with a message while it is open)
    "return": ({"director"}, 302),
}
ROLES = ["lead", "director", "head", "inspector", "hr", "outsider", "team_marketing", "team_design", "anonymous"]


@pytest.mark.parametrize("kind", list(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, people, checklist, role, kind) -> None:
    selfcheck, item, file = checklist
    if role != "anonymous":
        client.force_login(people.user(role))
    response = request_kind(client, kind, selfcheck, item, file)
    allowed, status = MATRIX[kind]
    if role == "anonymous":
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), (role, kind)
    elif role in allowed:
        assert response.status_code == status, (role, kind, response.status_code)
    else:
        assert response.status_code == 404, (role, kind, response.status_code)


def test_a_lead_cannot_touch_another_persons_checklist(client, people, checklist) -> None:
    """The outsider leads HK design; GG marketing is someone else's — and the reverse holds too."""
    _selfcheck, item, _file = checklist
    client.force_login(people.user("outsider"))
    assert (
        client.post(
            reverse("audits:selfcheck_item_update", args=[item.pk]), {"status": "na", "na_reason": "x"}, **HTMX
        ).status_code
        == 404
    )
    item.refresh_from_db()
    assert item.status == "" and Deliverable.objects.count() == 1
    build_touchpoints(project=people.other_project, function=Function.DESIGN, count=1)
    checklists_generate(year=2026, month=11)
    theirs = SelfCheck.objects.get(project=people.other_project, function=Function.DESIGN)
    client.force_login(people.user("lead"))
    assert client.get(reverse("audits:selfcheck_detail", args=[theirs.pk])).status_code == 404
    client.force_login(people.user("outsider"))
    assert client.get(reverse("audits:selfcheck_detail", args=[theirs.pk])).status_code == 200


def test_download_serves_the_stored_bytes_privately(client, people, checklist) -> None:
    _selfcheck, _item, file = checklist
    client.force_login(people.user("director"))
    response = client.get(reverse("audits:selfcheck_file_download", args=[file.pk]))
    assert b"".join(response.streaming_content) == pdf_bytes()
    assert "attachment" in response["Content-Disposition"] and response["Content-Type"] == "application/pdf"
    assert "private" in response["Cache-Control"]


# -- the lead's page: htmx answers and bad input ------------------------------------------------------------------------


def test_an_answer_saves_at_once_and_updates_the_progress_bar(client, people, checklist) -> None:
    _selfcheck, item, _file = checklist
    client.force_login(people.user("lead"))
    response = client.post(reverse("audits:selfcheck_item_update", args=[item.pk]), {"status": "done", "note": "已寄送"}, **HTMX)
    page = response.content.decode()
    assert response.status_code == 200
    # A tick answers with the item's new state and the progress, out of band, never the whole card.
    assert f'id="item-{item.pk}"' not in page and "item-form" not in page
    assert f'id="item-{item.pk}-status"' in page and ">完成</span>" in page and "已保存" in page
    assert 'id="selfcheck-progress"' in page and page.count('hx-swap-oob="true"') == 4
    assert "已填 1 / 2 项" in page
    assert "修改记录(3)" in page  # generated, the file, this answer: the entries load when opened
    history = client.get(reverse("audits:selfcheck_item_history", args=[item.pk]), **HTMX).content.decode()
    assert "杨帆" in history and "完成情况" in history and "已寄送" in history  # who changed what
    item.refresh_from_db()
    assert (item.status, item.note, item.updated_by) == (ItemStatus.DONE, "已寄送", people.user("lead"))


def test_without_htmx_the_form_still_works(client, people, checklist) -> None:
    _selfcheck, item, _file = checklist
    client.force_login(people.user("lead"))
    response = client.post(
        reverse("audits:selfcheck_item_update", args=[item.pk]), {"status": "na", "na_reason": ""}, follow=True
    )
    assert "选择「不适用」时必须填写原因" in response.content.decode()
    item.refresh_from_db()
    assert item.status == ""


def assert_unchanged(item, file_count: int = 1) -> None:
    before = (item.status, item.na_reason, item.note)
    item.refresh_from_db()
    assert (item.status, item.na_reason, item.note) == before
    assert Deliverable.objects.filter(item=item).count() == file_count


def test_na_without_a_reason_is_refused(client, people, checklist) -> None:
    _selfcheck, item, _file = checklist
    client.force_login(people.user("lead"))
    response = client.post(
        reverse("audits:selfcheck_item_update", args=[item.pk]), {"status": "na", "na_reason": " ", "note": "n"}, **HTMX
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert "未保存:选择「不适用」时必须填写原因" in page
    # The form is not sent back: the reason field stays open, as the lead left it, to type into.
    assert "item-form" not in page and f'id="item-{item.pk}-feedback" hx-swap-oob="true"' in page
    assert_unchanged(item)


def test_done_without_the_required_file_is_refused(client, people, checklist) -> None:
    selfcheck, _item, _file = checklist
    bare = selfcheck.items.exclude(files__isnull=False).get()
    client.force_login(people.user("lead"))
    response = client.post(reverse("audits:selfcheck_item_update", args=[bare.pk]), {"status": "done"}, **HTMX)
    assert response.status_code == 422
    assert "该触点要求交付件,请先上传交付件再标记为「完成」" in response.content.decode()
    assert_unchanged(bare, file_count=0)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("病毒.pdf", exe_bytes(), "内容不是允许的类型"),
        ("照片.pdf", png_bytes(), "与扩展名 .pdf 不符"),
        ("大文件.pdf", pdf_bytes(20 * 1024 * 1024 + 1), "超过 20 MB"),
    ],
)
def test_bad_files_are_refused(client, people, checklist, name, content, message) -> None:
    _selfcheck, item, _file = checklist
    client.force_login(people.user("lead"))
    response = client.post(reverse("audits:selfcheck_item_upload", args=[item.pk]), {"files": [upload(name, content)]}, **HTMX)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert_unchanged(item)


def test_several_files_upload_at_once(client, people, checklist) -> None:
    _selfcheck, item, _file = checklist
    client.force_login(people.user("lead"))
    files = [upload("a.pdf", pdf_bytes()), SimpleUploadedFile("现场.png", png_bytes(), content_type="image/png")]
    response = client.post(reverse("audits:selfcheck_item_upload", args=[item.pk]), {"files": files}, **HTMX)
    assert response.status_code == 200
    assert sorted(item.files.values_list("content_type", flat=True)) == ["application/pdf", "application/pdf", "image/png"]
    assert "现场.png" in response.content.decode()


def test_editing_after_submission_is_refused(client, people, checklist) -> None:
    selfcheck, item, _file = checklist
    lead = people.user("lead")
    for each in selfcheck.items.all():
        selfcheck_item_update(item=each, user=lead, status=ItemStatus.NOT_DONE, note="")
    client.force_login(lead)
    response = client.post(reverse("audits:selfcheck_submit", args=[selfcheck.pk]), follow=True)
    assert "自检表已提交" in response.content.decode() and "现为只读" in response.content.decode()
    page = client.get(reverse("audits:selfcheck_detail", args=[selfcheck.pk])).content.decode()
    assert "item-form" not in page and "upload-form" not in page and "submit-modal" not in page
    item.refresh_from_db()
    for url, data in (
        (reverse("audits:selfcheck_item_update", args=[item.pk]), {"status": "na", "na_reason": "x"}),
        (reverse("audits:selfcheck_item_upload", args=[item.pk]), {"files": [upload("c.pdf", pdf_bytes())]}),
    ):
        response = client.post(url, data, **HTMX)
        assert response.status_code == 422 and "已提交,不能再修改" in response.content.decode()
    assert_unchanged(item)


def test_submitting_with_unanswered_items_lists_them(client, people, checklist) -> None:
    selfcheck, _item, _file = checklist
    client.force_login(people.user("lead"))
    page = client.post(reverse("audits:selfcheck_submit", args=[selfcheck.pk]), follow=True).content.decode()
    assert "还有 2 项未填写,不能提交" in page
    assert all(code in page for code in selfcheck.items.values_list("code", flat=True))
    selfcheck.refresh_from_db()
    assert selfcheck.state == SelfCheckState.OPEN


def test_february_submission_is_late_from_march_first(client, people) -> None:
    """R8 Decision: February's checklist is due on the 28th (29th in a leap year); the page says so."""
    lead = people.user("lead")
    client.force_login(lead)
    selfcheck = build_selfcheck(people, year=2026, month=2, count=1, deliverable_every=0)
    selfcheck_item_update(item=selfcheck.items.get(), user=lead, status=ItemStatus.NOT_DONE, note="")
    with time_machine.travel(dt.datetime(2026, 2, 28, 23, 0, tzinfo=dates.SHANGHAI), tick=False):
        page = client.get(reverse("audits:selfcheck_detail", args=[selfcheck.pk])).content.decode()
        assert "截止 2月28日" in page and "已过截止日" not in page
    with time_machine.travel(dt.datetime(2026, 3, 1, 8, 0, tzinfo=dates.SHANGHAI), tick=False):
        page = client.get(reverse("audits:selfcheck_detail", args=[selfcheck.pk])).content.decode()
        assert "已过截止日" in page
        client.post(reverse("audits:selfcheck_submit", args=[selfcheck.pk]))
    selfcheck.refresh_from_db()
    assert selfcheck.is_late and selfcheck.state == SelfCheckState.SUBMITTED
    leap = build_selfcheck(people, year=2028, month=2, count=1, deliverable_every=0)
    page = client.get(reverse("audits:selfcheck_detail", args=[leap.pk])).content.decode()
    assert "截止 2月29日" in page


def test_operations_reopen_with_a_reason(client, people, checklist) -> None:
    selfcheck, _item, _file = checklist
    lead = people.user("lead")
    for each in selfcheck.items.all():
        selfcheck_item_update(item=each, user=lead, status=ItemStatus.NOT_DONE, note="")
    selfcheck_submit(selfcheck=selfcheck, user=lead)
    client.force_login(people.user("inspector"))
    page = client.get(reverse("audits:selfcheck_detail", args=[selfcheck.pk])).content.decode()
    assert "reopen-modal" in page
    response = client.post(reverse("audits:selfcheck_reopen", args=[selfcheck.pk]), {"reason": ""})
    assert response.status_code == 400
    assert "请填写退回原因" in response.content.decode()
    selfcheck.refresh_from_db()
    assert selfcheck.state == SelfCheckState.SUBMITTED
    client.post(reverse("audits:selfcheck_reopen", args=[selfcheck.pk]), {"reason": "请补充寄送记录"})
    selfcheck.refresh_from_db()
    assert selfcheck.state == SelfCheckState.OPEN
    client.force_login(lead)
    page = client.get(reverse("audits:selfcheck_detail", args=[selfcheck.pk])).content.decode()
    assert "请补充寄送记录" in page and "item-form" in page


# -- fixed query counts ---------------------------------------------------------------------------------------------


def page_queries(client, selfcheck) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("audits:selfcheck_detail", args=[selfcheck.pk]))
    assert response.status_code == 200
    return len(captured.captured_queries)


def answer_some(selfcheck, user) -> None:
    """Give a few items history and files so prefetching is exercised, not just empty lists."""
    for item in list(selfcheck.items.all())[:6]:
        content = pdf_bytes()
        deliverables_add(item=item, user=user, uploads=[(upload("f.pdf", content), "f.pdf", len(content))])
        selfcheck_item_update(item=item, user=user, status=ItemStatus.DONE, note="ok")


def test_the_checklist_page_query_count_does_not_grow(client, people, django_assert_max_num_queries) -> None:
    lead = people.user("lead")
    small = build_selfcheck(people, year=2026, month=11, count=10)
    answer_some(small, lead)
    big = build_selfcheck(people, year=2026, month=12, count=90)  # the catalogue now holds 100 touchpoints
    assert big.items.count() == 100
    answer_some(big, lead)
    client.force_login(lead)
    client.get(reverse("home"))  # warm the session
    small_count, big_count = page_queries(client, small), page_queries(client, big)
    assert small_count == big_count, (small_count, big_count)
    with django_assert_max_num_queries(12):
        client.get(reverse("audits:selfcheck_detail", args=[big.pk]))


def test_an_htmx_answer_query_count_does_not_grow(client, people, django_assert_max_num_queries) -> None:
    lead = people.user("lead")
    big = build_selfcheck(people, year=2026, month=11, count=100, deliverable_every=0)
    client.force_login(lead)
    item = big.items.last()
    with django_assert_max_num_queries(20):
        response = client.post(reverse("audits:selfcheck_item_update", args=[item.pk]), {"status": "not_done"}, **HTMX)
    assert response.status_code == 200


def test_a_tick_reads_its_item_once_access_checked_and_locked(client, people) -> None:
    """The view used to read the item to check access, then the service read it again to lock it. Now one statement
    does both, and it locks the item's row only (FOR UPDATE OF on PostgreSQL), not the checklist's or project's."""
    lead = people.user("lead")
    selfcheck = build_selfcheck(people, year=2026, month=11, count=3, deliverable_every=0)
    item = selfcheck.items.last()
    client.force_login(lead)
    table = '"audits_selfcheckitem"'
    with CaptureQueriesContext(connection) as captured:
        response = client.post(reverse("audits:selfcheck_item_update", args=[item.pk]), {"status": "not_done"}, **HTMX)
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.status == ItemStatus.NOT_DONE
    reads = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT") and f"FROM {table}" in q["sql"]]
    by_pk = [sql for sql in reads if f'{table}."id" = {item.pk}' in sql]
    assert len(by_pk) == 1, by_pk
    assert '"audits_selfcheck"' in by_pk[0] and '"touchpoints_project"' in by_pk[0]  # with its checklist and project
    if connection.vendor == "postgresql":
        assert by_pk[0].endswith(f"FOR UPDATE OF {table}")


def test_a_refused_tick_still_answers_with_the_item_and_saves_nothing(client, people) -> None:
    lead = people.user("lead")
    selfcheck = build_selfcheck(people, year=2026, month=11, count=3, deliverable_every=0)
    item = selfcheck.items.last()
    client.force_login(lead)
    response = client.post(reverse("audits:selfcheck_item_update", args=[item.pk]), {"status": "na", "na_reason": "  "}, **HTMX)
    assert response.status_code == 422
    assert f'id="item-{item.pk}-status"'.encode() in response.content
    item.refresh_from_db()
    assert item.status == ""
    for reader in ("director", "outsider"):  # may read the checklist, or not even that: neither may answer
        client.force_login(people.user(reader))
        url = reverse("audits:selfcheck_item_update", args=[item.pk])
        assert client.post(url, {"status": "not_done"}, **HTMX).status_code == 404
    item.refresh_from_db()
    assert item.status == ""


# -- overview and home --------------------------------------------------------------------------------------------------


def overview_rows(client, user) -> dict[str, list[str]]:
    client.force_login(user)
    response = client.get(reverse("audits:selfcheck_overview"))
    assert response.status_code == 200
    rows = {}
    for row in response.context["overview"].rows:
        rows[f"{row.project.code}·{row.function.value}"] = [cell.status.value for cell in row.months]
    return rows


def test_overview_per_role(client, people) -> None:
    lead = people.user("lead")
    build_touchpoints(project=people.project, count=2, deliverable_every=0)  # marketing in GG (and stages)
    build_touchpoints(project=people.project, function=Function.DESIGN, count=1, deliverable_every=0)
    people.other_project.stages.add(*people.project.stages.all())
    for month in (9, 10, 11):
        checklists_generate(year=2026, month=month)
    gg_marketing = {c.month: c for c in SelfCheck.objects.filter(project=people.project, function=Function.MARKETING)}
    for month, moment in ((9, dt.datetime(2026, 9, 30, 12, 0)), (10, dt.datetime(2026, 11, 2, 9, 0))):
        for item in gg_marketing[month].items.all():
            selfcheck_item_update(item=item, user=lead, status=ItemStatus.DONE, note="")
        with time_machine.travel(moment.replace(tzinfo=dates.SHANGHAI), tick=False):
            selfcheck_submit(selfcheck=gg_marketing[month], user=lead)
    selfcheck_item_update(item=gg_marketing[11].items.first(), user=lead, status=ItemStatus.NOT_DONE, note="")

    rows = overview_rows(client, lead)
    assert list(rows) == ["GG·marketing"]
    assert rows["GG·marketing"][8:] == ["on_time", "late", "in_progress"]
    assert rows["GG·marketing"][:8] == ["none"] * 8
    director = overview_rows(client, people.user("director"))
    assert set(director) == {"GG·marketing", "GG·design"}
    assert director["GG·design"][8:] == ["missing", "missing", "not_started"]
    assert set(overview_rows(client, people.user("head"))) == {"GG·marketing", "HK·marketing"}
    assert set(overview_rows(client, people.user("outsider"))) == {"HK·design"}  # the cell they lead, nothing of GG
    everyone = {"GG·marketing", "GG·design", "HK·marketing", "HK·design"}
    assert set(overview_rows(client, people.user("inspector"))) == everyone
    assert set(overview_rows(client, people.user("hr"))) == everyone
    page = client.get(reverse("audits:selfcheck_overview")).content.decode()
    assert "逾期提交" in page and "按时提交" in page and "未提交(已逾期)" in page


def test_overview_query_count_does_not_grow(client, people, django_assert_max_num_queries) -> None:
    build_touchpoints(project=people.project, count=3)
    client.force_login(people.user("inspector"))
    checklists_generate(year=2026, month=11)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("audits:selfcheck_overview"))
    for n in range(8):
        project = ProjectFactory(code=f"X{n}")
        project.stages.add(*people.project.stages.all())
    for month in range(1, 12):
        checklists_generate(year=2026, month=month)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("audits:selfcheck_overview"))
    assert len(response.context["overview"].rows) == 9  # GG and X0–X7; HK is in no stage


def test_opening_a_missing_checklist_shows_a_start_button_and_the_post_generates_it(client, people) -> None:
    """A GET never writes: the current month's missing checklist is generated by the "开始自检" POST."""
    build_touchpoints(project=people.project, count=2)
    client.force_login(people.user("lead"))
    url = reverse("audits:selfcheck_open", args=["GG", "marketing", "2026-11"])
    page = client.get(url)
    assert page.status_code == 200 and "开始自检" in page.content.decode() and 'method="post"' in page.content.decode()
    assert not SelfCheck.objects.exists()
    response = client.post(url)
    selfcheck = SelfCheck.objects.get(year=2026, month=11)
    assert response["Location"] == reverse("audits:selfcheck_detail", args=[selfcheck.pk])
    assert client.get(url)["Location"] == reverse("audits:selfcheck_detail", args=[selfcheck.pk])  # now it exists
    client.post(url)
    assert SelfCheck.objects.count() == 1 and selfcheck.items.count() == 2


def test_a_past_month_is_never_generated_by_get_or_post(client, people) -> None:
    build_touchpoints(project=people.project, count=2)
    client.force_login(people.user("lead"))
    past = reverse("audits:selfcheck_open", args=["GG", "marketing", "2026-10"])
    assert client.get(past).status_code == 404
    assert client.post(past).status_code == 404
    assert client.get(reverse("audits:selfcheck_open", args=["GG", "nonsense", "2026-11"])).status_code == 404
    assert not SelfCheck.objects.exists()


def test_home_panels(client, people, django_assert_max_num_queries) -> None:
    build_selfcheck(people, year=2026, month=11, count=4, deliverable_every=0)
    client.force_login(people.user("lead"))
    page = client.get(reverse("home")).content.decode()
    assert "2026年11月 自检表" in page and reverse("audits:selfcheck_detail", args=[SelfCheck.objects.get().pk]) in page
    client.force_login(people.user("director"))
    page = client.get(reverse("home")).content.decode()
    assert "我关注的自检" in page and "未开始 1" in page
    client.force_login(people.user("inspector"))
    assert "全公司自检情况" in client.get(reverse("home")).content.decode()


HOSTILE = '<x-evil a="1">&\''
ESCAPED = "&lt;x-evil a=&#34;1&#34;&gt;&amp;&#39;"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_cards_arrive_escaped_though_written_without_autoescaping(client, people, checklist, language) -> None:
    """selfcheck_item.jinja writes a card with autoescaping off (each label escaped once per language): every value of
    the item, its answer and its files must still come out escaped, on the lead's form and on a reader's page."""
    from audits.models import SelfCheckItem

    selfcheck, _item, file = checklist
    for n, pk in enumerate(selfcheck.items.values_list("pk", flat=True)):
        SelfCheckItem.objects.filter(pk=pk).update(code=f"{HOSTILE}{n}")
    SelfCheckItem.objects.filter(selfcheck=selfcheck).update(
        name=HOSTILE, level_name=HOSTILE, deliverable=HOSTILE, status=ItemStatus.NA, na_reason=HOSTILE, note=HOSTILE
    )
    Deliverable.objects.filter(pk=file.pk).update(original_name=HOSTILE)
    url = reverse("audits:selfcheck_detail", args=[selfcheck.pk])
    client.force_login(people.user("lead"))
    form = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    client.force_login(people.user("director"))
    page = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    for content in (form, page):
        assert "<x-evil" not in content
        assert content.count(f'data-testid="item-{ESCAPED}') == 2  # both items
        assert content.count(f'<span class="font-monospace">{ESCAPED}') == 2
        assert content.count(f'<h3 class="h6 mt-1 mb-0 text-break">{ESCAPED}</h3>') == 2
        assert f">{ESCAPED}</a>" in content  # the file's name
    assert form.count(f'value="{ESCAPED}"') == 2 and form.count(f">{ESCAPED}</textarea>") == 2  # the answers
    assert f'aria-label="{escape_label("删除 %(n)s", language)}"' in form
    assert page.count(f"</span>{ESCAPED}</div>") == 2  # the N/A reasons, read-only


def escape_label(msgid: str, language: str) -> str:
    from django.utils import translation
    from markupsafe import escape

    with translation.override(language):
        return str(escape(translation.gettext(msgid) % {"n": HOSTILE}))


def test_a_ticks_state_is_the_history_count_and_progress_in_one_query(people, checklist) -> None:
    """selectors.item_state reads in one statement what decorate_items and selfcheck_progress read in two."""
    from django.test.utils import CaptureQueriesContext

    from audits.selfchecks import selectors

    selfcheck, item, _file = checklist
    lead = people.user("lead")
    for status in ("done", "not_done", "na"):
        selfcheck_item_update(item=item, user=lead, status=status, note=status, na_reason="无")
    other = selfcheck.items.exclude(pk=item.pk).get()
    for subject in (item, other):
        expected = selectors.selfcheck_progress(selfcheck=selfcheck)
        selectors.decorate_items([subject])
        count = subject.history_count
        with CaptureQueriesContext(connection) as queries:
            assert selectors.item_state(item=subject) == expected
        assert subject.history_count == count and len(queries.captured_queries) == 1
    assert item.history_count == 5  # created, three answers, one file
