"""Inspection pages: who may do what (permission matrix), immediate saving, finalising and reopening from the browser."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audits.choices import InspectionState
from audits.models import Inspection
from tests.audits.builders_inspections import AFTER_Q1, DONE, NOT_DONE, Q1, inspection, publish, selfcheck, touchpoints
from touchpoints.choices import Function

pytestmark = pytest.mark.django_db

# team_marketing / team_design: R5b inspection-team members of marketing (营销管理部) and design (研发设计部).
ROLES = ("lead", "director", "head", "inspector", "hr", "outsider", "team_marketing", "team_design")


@pytest.fixture(autouse=True)
def _after_q1(time_machine) -> None:
    time_machine.move_to(AFTER_Q1, tick=False)


@pytest.fixture
def cell(people):
    """GG × marketing with a month of self-check and an inspection in progress; HK × design finalised."""
    a, b = touchpoints(Function.MARKETING, levels=("一级", "二级"))
    selfcheck(people.project, Function.MARKETING, 1, [(a, DONE, "已公示"), (b, DONE, "")])
    open_inspection = inspection(people.project, Function.MARKETING, [(3, ""), (2, "")], finalised=False)
    finalised = inspection(people.other_project, Function.DESIGN, [(3, DONE)])
    return open_inspection, finalised


def urls(cell) -> dict[str, tuple[str, str, dict]]:
    open_inspection, finalised = cell
    item = open_inspection.items.first()
    return {
        "board": ("get", reverse("audits:board"), {}),
        "board_quarter": ("get", reverse("audits:board", kwargs={"quarter": "2026Q1"}), {}),
        "inspection": ("get", reverse("audits:inspection", args=["2026Q1", "GG", "marketing"]), {}),
        "other_inspection": ("get", reverse("audits:inspection", args=["2026Q1", "HK", "design"]), {}),
        "item": ("post", reverse("audits:inspection_item", args=[item.pk]), {"verdict": DONE, "finding": ""}),
        "finalise": ("post", reverse("audits:inspection_finalise", args=[open_inspection.pk]), {}),
        "reopen": ("post", reverse("audits:inspection_reopen", args=[finalised.pk]), {"reason": "复核"}),
        "discrepancies": ("get", reverse("audits:discrepancies", kwargs={"quarter": "2026Q1"}), {}),
        "import": ("get", reverse("audits:inspection_import"), {}),
    }


# Expected status per URL kind and role (lead = GG marketing lead, outsider = HK design lead). R5b: a team member
# reads and judges their function's cells only (another function's cell is a 404); finalise, reopen, import stay
# with operations.
EXPECTED = {
    "board": {
        "lead": 404,
        "director": 200,
        "head": 200,
        "inspector": 200,
        "hr": 200,
        "outsider": 404,
        "team_marketing": 200,
        "team_design": 200,
    },
    "board_quarter": {
        "lead": 404,
        "director": 200,
        "head": 200,
        "inspector": 200,
        "hr": 200,
        "outsider": 404,
        "team_marketing": 200,
        "team_design": 200,
    },
    "inspection": {
        "lead": 200,
        "director": 200,
        "head": 200,
        "inspector": 200,
        "hr": 200,
        "outsider": 404,
        "team_marketing": 200,
        "team_design": 404,
    },
    "other_inspection": {
        "lead": 404,
        "director": 404,
        "head": 404,
        "inspector": 200,
        "hr": 200,
        "outsider": 200,
        "team_marketing": 404,
        "team_design": 200,
    },
    "item": {
        "lead": 404,
        "director": 404,
        "head": 404,
        "inspector": 302,
        "hr": 404,
        "outsider": 404,
        "team_marketing": 302,
        "team_design": 404,
    },
    "finalise": {
        "lead": 404,
        "director": 404,
        "head": 404,
        "inspector": 302,
        "hr": 404,
        "outsider": 404,
        "team_marketing": 404,
        "team_design": 404,
    },
    "reopen": {
        "lead": 404,
        "director": 404,
        "head": 404,
        "inspector": 302,
        "hr": 404,
        "outsider": 404,
        "team_marketing": 404,
        "team_design": 404,
    },
    "discrepancies": {
        "lead": 404,
        "director": 200,
        "head": 200,
        "inspector": 200,
        "hr": 200,
        "outsider": 404,
        "team_marketing": 200,
        "team_design": 200,
    },
    "import": {
        "lead": 404,
        "director": 404,
        "head": 404,
        "inspector": 200,
        "hr": 404,
        "outsider": 404,
        "team_marketing": 404,
        "team_design": 404,
    },
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", list(EXPECTED))
def test_permission_matrix(client, people, cell, kind, role) -> None:
    method, url, data = urls(cell)[kind]
    client.force_login(people.user(role))
    response = getattr(client, method)(url, data)
    assert response.status_code == EXPECTED[kind][role], f"{kind} as {role}"


def test_anonymous_users_are_sent_to_sign_in(client, cell) -> None:
    for method, url, data in urls(cell).values():
        response = getattr(client, method)(url, data)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_readers_change_nothing(client, people, cell) -> None:
    open_inspection, finalised = cell
    for role in ("director", "head", "hr", "lead"):
        client.force_login(people.user(role))
        for kind in ("item", "finalise", "reopen"):
            method, url, data = urls(cell)[kind]
            getattr(client, method)(url, data)
    assert not open_inspection.items.exclude(verdict="").exists()
    finalised.refresh_from_db()
    assert finalised.state == InspectionState.FINALISED


def test_a_reader_opening_an_uninspected_cell_creates_nothing(client, people) -> None:
    (a,) = touchpoints(Function.MARKETING, levels=("一级",))
    selfcheck(people.project, Function.MARKETING, 1, [(a, DONE, "")])
    client.force_login(people.user("director"))
    page = client.get(reverse("audits:inspection", args=["2026Q1", "GG", "marketing"])).content.decode()
    assert "尚未开始" in page and not Inspection.objects.exists()


def test_operations_open_a_cell_and_save_a_verdict_through_htmx(client, people) -> None:
    a, b = touchpoints(Function.MARKETING, levels=("一级", "二级"))
    selfcheck(people.project, Function.MARKETING, 1, [(a, DONE, "已公示"), (b, DONE, "")])
    client.force_login(people.user("inspector"))
    url = reverse("audits:inspection", args=["2026Q1", "GG", "marketing"])
    page = client.post(url, follow=True).content.decode()
    inspection_ = Inspection.objects.get()
    assert a.code in page and "已公示" in page and 'hx-post="' in page
    item = inspection_.items.get(code=a.code)
    response = client.post(
        reverse("audits:inspection_item", args=[item.pk]),
        {"verdict": NOT_DONE, "finding": "现场未见展板"},
        HTTP_HX_REQUEST="true",
    )
    fragment = response.content.decode()
    assert response.status_code == 200 and "已保存" in fragment and "虚报" in fragment
    assert 'id="inspection-progress" hx-swap-oob="true"' in fragment and "1 / 2" in fragment
    item.refresh_from_db()
    assert (item.verdict, item.finding, item.updated_by) == (NOT_DONE, "现场未见展板", people.user("inspector"))
    assert item.history.order_by("history_id").last().history_user == people.user("inspector")


def test_finalising_from_the_page_lists_missing_items_then_succeeds(client, people, cell) -> None:
    open_inspection, _finalised = cell
    client.force_login(people.user("inspector"))
    url = reverse("audits:inspection_finalise", args=[open_inspection.pk])
    page = client.post(url, follow=True).content.decode()
    assert "还有 2 项未给出检查结果" in page and "X-01" in page and "X-02" in page
    for item in open_inspection.items.all():
        client.post(reverse("audits:inspection_item", args=[item.pk]), {"verdict": DONE, "finding": ""}, HTTP_HX_REQUEST="true")
    page = client.post(url, follow=True).content.decode()
    assert "检查已定稿" in page and "重新打开" in page
    open_inspection.refresh_from_db()
    assert open_inspection.state == InspectionState.FINALISED


def test_reopening_needs_a_reason_and_is_refused_after_publication(client, people, cell) -> None:
    _open, finalised = cell
    client.force_login(people.user("inspector"))
    url = reverse("audits:inspection_reopen", args=[finalised.pk])
    assert "请填写重新打开的原因" in client.post(url, {"reason": ""}, follow=True).content.decode()
    publish(Q1)
    page = client.post(url, {"reason": "复核"}, follow=True).content.decode()
    assert "已发布" in page
    finalised.refresh_from_db()
    assert finalised.state == InspectionState.FINALISED
    page = client.get(reverse("audits:inspection", args=["2026Q1", "HK", "design"])).content.decode()
    assert "只读" in page and 'name="reason"' not in page


def test_a_bad_quarter_or_function_in_the_url_is_404(client, people) -> None:
    client.force_login(people.user("inspector"))
    assert client.get(reverse("audits:board", kwargs={"quarter": "2026Q9"})).status_code == 404
    assert client.get(reverse("audits:inspection", args=["2026Q1", "GG", "sales"])).status_code == 404
    assert client.get(reverse("audits:inspection", args=["2026Q1", "NOPE", "marketing"])).status_code == 404


def test_the_inspection_page_shows_the_files_the_selfchecks_carry(client, people) -> None:
    from audits.models import SelfCheckItem
    from tests.audits.builders_inspections import attach_file

    (a,) = touchpoints(Function.MARKETING, levels=("一级",))
    selfcheck(people.project, Function.MARKETING, 1, [(a, DONE, "")])
    deliverable = attach_file(SelfCheckItem.objects.get(code=a.code), name="阳光销售宣言.jpg")
    client.force_login(people.user("inspector"))
    page = client.post(reverse("audits:inspection", args=["2026Q1", "GG", "marketing"]), follow=True).content.decode()
    assert "阳光销售宣言.jpg" in page and "1月" in page
    assert reverse("audits:selfcheck_file_download", args=[deliverable.pk]) in page


def test_the_inspection_page_makes_a_fixed_number_of_queries(client, people, django_assert_max_num_queries) -> None:
    from tests.audits.builders_inspections import attach_file

    client.force_login(people.user("inspector"))
    measured = {}
    for function, size in ((Function.MARKETING, 3), (Function.DESIGN, 40)):
        tps = touchpoints(function, levels=["一级", "二级", "三级"] * (size // 3) + ["一级"] * (size % 3))
        check = selfcheck(people.project, function, 1, [(t, DONE, "已做") for t in tps])
        for item in check.items.all():
            attach_file(item)
        url = reverse("audits:inspection", args=["2026Q1", "GG", function])
        client.post(url)  # starting (a POST) creates the inspection
        # 14: session, user, scope; the inspection with its project and who started it; publication; the new
        # self-check items and the codes already inspected; rectifications; R5a sign-offs; deliverables; items with
        # who judged them; R5b whether the reader is assessed in the unit; participants; unread notifications. (16
        # before: the project was read apart from the inspection, and the starter's person was loaded lazily.)
        with django_assert_max_num_queries(14) as captured:
            page = client.get(url).content.decode()
        assert page.count('class="deliverable-link"') == size
        measured[size] = len(captured.captured_queries)
    assert measured[3] == measured[40], measured


def test_a_get_of_an_uninspected_cell_creates_nothing_and_offers_to_start(client, people) -> None:
    """A GET never writes (a link from another site carries the cookies too); starting is a POST."""
    (a,) = touchpoints(Function.MARKETING, levels=("一级",))
    selfcheck(people.project, Function.MARKETING, 1, [(a, DONE, "")])
    client.force_login(people.user("inspector"))
    url = reverse("audits:inspection", args=["2026Q1", "GG", "marketing"])
    page = client.get(url).content.decode()
    assert "开始检查" in page and 'method="post"' in page and not Inspection.objects.exists()
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == url
    inspection_ = Inspection.objects.get()
    assert inspection_.items.get().code == a.code and inspection_.created_by == people.user("inspector")
    client.post(url)  # a second start changes nothing
    assert Inspection.objects.count() == 1


def test_a_past_quarter_get_creates_nothing(client, people) -> None:
    touchpoints(Function.MARKETING, levels=("一级",))
    client.force_login(people.user("inspector"))
    for quarter in ("2019Q1", "2025Q4"):
        response = client.get(reverse("audits:inspection", args=[quarter, "GG", "marketing"]))
        assert response.status_code == 200
    assert not Inspection.objects.exists()


def test_only_operations_start_an_inspection(client, people) -> None:
    (a,) = touchpoints(Function.MARKETING, levels=("一级",))
    selfcheck(people.project, Function.MARKETING, 1, [(a, DONE, "")])
    url = reverse("audits:inspection", args=["2026Q1", "GG", "marketing"])
    for role in ("director", "head", "hr", "lead"):
        client.force_login(people.user(role))
        assert client.post(url).status_code == 404
    assert not Inspection.objects.exists()


def test_items_added_by_a_later_selfcheck_join_an_open_inspection_on_a_post(client, people) -> None:
    a, b = touchpoints(Function.MARKETING, levels=("一级", "二级"))
    selfcheck(people.project, Function.MARKETING, 1, [(a, DONE, "")])
    client.force_login(people.user("inspector"))
    url = reverse("audits:inspection", args=["2026Q1", "GG", "marketing"])
    client.post(url)
    selfcheck(people.project, Function.MARKETING, 2, [(a, DONE, ""), (b, DONE, "")])
    page = client.get(url).content.decode()
    assert 'id="add-new-items"' in page and Inspection.objects.get().items.count() == 1  # the GET added nothing
    client.post(url)
    assert Inspection.objects.get().items.count() == 2
    assert 'id="add-new-items"' not in client.get(url).content.decode()


def test_the_page_names_the_starter_finaliser_judge_and_participants_by_person_else_username(client, people) -> None:
    """Who started, finalised and judged, and who took part: the person's name, else the login name, in the
    fixed number of queries (none per user)."""
    from django.contrib.auth import get_user_model

    from audits.models import InspectionItem, InspectionParticipant

    found = inspection(people.project, Function.MARKETING, [(3, DONE), (2, NOT_DONE)])
    loner = get_user_model().objects.create_user("loner-login")  # no person
    first, second = found.items.order_by("code")
    Inspection.objects.filter(pk=found.pk).update(created_by=people.user("inspector"), finalised_by=loner)
    InspectionItem.objects.filter(pk=first.pk).update(judged_by=people.user("team_marketing"))
    InspectionItem.objects.filter(pk=second.pk).update(judged_by=loner)
    InspectionParticipant.objects.create(inspection=found, user=loner)
    InspectionParticipant.objects.create(inspection=found, user=people.user("inspector"))
    inspector = people.user("inspector").person.name
    client.force_login(people.user("inspector"))
    page = client.get(reverse("audits:inspection", args=["2026Q1", "GG", "marketing"])).content.decode()
    assert f"检查人:</span> {inspector}</div>" in page
    assert " loner-login</div>" in page  # finalised by the user without a person
    assert f"检查组:</span> loner-login、{inspector}</div>" in page
    judged = page.split('data-testid="judged-by"')[1:]
    assert people.user("team_marketing").person.name in judged[0] and "loner-login" in judged[1]
