"""Results pages: published rankings for everyone signed in, cell detail by scope, operations' preview, publish and
amend, the export download, and the home panel (SPEC §1, §5, §7)."""

from __future__ import annotations

import pytest
import time_machine

from audits.choices import InspectionState
from scoring.models import QuarterResult
from scoring.services import quarter_publish

from .builders import DONE, NOT_DONE, Q1, after, build_worked_example, inspect

pytestmark = pytest.mark.django_db
ROLES = ("lead", "director", "head", "inspector", "hr", "outsider", "team_marketing")


@pytest.fixture
def published(people):
    build_worked_example()
    with time_machine.travel(after(Q1), tick=False):
        return quarter_publish(quarter=Q1, user=people.inspector.user)


@pytest.fixture
def later():
    with time_machine.travel(after(Q1, days=9), tick=False):
        yield


def cells_seen(response) -> dict[str, set[tuple[str, str]]]:
    page = response.context["page"]
    return {row.code: {(c.project_code, c.function) for c in row.cells} for row in page.functions + page.projects}


@pytest.mark.parametrize("role", ROLES)
def test_everyone_signed_in_reads_the_published_rankings(client, people, published, later, role) -> None:
    client.force_login(people.user(role))
    response = client.get("/results/")
    assert response.status_code == 200
    page = response.context["page"]
    assert [(r.code, r.rank, r.grade, r.amount) for r in page.functions] == [
        ("design", 1, "A", 3000),
        ("property", 1, "A", 3000),
        ("customer_relations", 3, "A", 0),
        ("marketing", 4, "B-", 0),
        ("engineering", 5, "C", -3000),
    ]
    assert "92.86%" in response.content.decode()
    assert 'id="sc-trends"' in response.content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(client, published) -> None:
    assert client.get("/results/").status_code == 302
    assert client.get("/results/2026Q1/").status_code == 302


def test_cell_detail_only_for_those_who_can_read_the_cell(client, people, published, later) -> None:
    client.force_login(people.user("lead"))  # GG × marketing
    seen = cells_seen(client.get("/results/2026Q1/"))
    assert seen["marketing"] == {("GG", "marketing")} and seen["GG"] == {("GG", "marketing")}
    assert seen["HK"] == set() and seen["design"] == set()
    client.force_login(people.user("director"))  # all of GG
    seen = cells_seen(client.get("/results/2026Q1/"))
    assert seen["GG"] == {("GG", f) for f in ("marketing", "design", "engineering", "customer_relations")}
    assert seen["HK"] == set()
    client.force_login(people.user("head"))  # marketing everywhere
    assert cells_seen(client.get("/results/2026Q1/"))["marketing"] == {("GG", "marketing"), ("HK", "marketing")}
    client.force_login(people.user("hr"))
    assert len(cells_seen(client.get("/results/2026Q1/"))["HK"]) == 5


def test_my_units_show_grades_and_an_at_risk_warning(client, people, published, later) -> None:
    client.force_login(people.user("head"))
    mine = client.get("/results/").context["mine"]
    (marketing,) = mine.units
    assert (marketing.name, marketing.quarters[0].grade, marketing.at_risk, marketing.triggered) == ("营销", "B-", True, False)
    assert marketing.risk_labels == "2026Q2"  # SPEC §12: B- again in Q2 would cap the marketing head
    client.force_login(people.user("director"))
    (gg,) = client.get("/results/").context["mine"].units
    assert (gg.quarters[0].grade, gg.at_risk) == ("B+", False)


def test_unknown_quarters_and_versions_are_not_found(client, people, published, later) -> None:
    client.force_login(people.user("hr"))
    assert client.get("/results/2026Q2/").status_code == 404
    assert client.get("/results/2026Q9/").status_code == 404
    assert client.get("/results/2026Q1/?v=7").status_code == 404
    for other in ("01", "+1", "1.0", "abc", "99999999999999999999", "١"):  # only the version as the links write it
        assert client.get(f"/results/2026Q1/?v={other}").status_code == 404
    assert client.get("/results/2026Q1/?v=1").status_code == 200
    assert client.get("/results/2026Q1/?v=").context["is_latest"] is True


def test_no_published_quarter_yet(client, people) -> None:
    client.force_login(people.user("inspector"))
    with time_machine.travel(after(Q1), tick=False):
        response = client.get("/results/")
    assert response.status_code == 200 and "scoring/results_empty.html" in [t.name for t in response.templates]
    assert response.context["pending"] == Q1


@pytest.mark.parametrize("role", ["lead", "director", "head", "hr", "outsider", "team_marketing"])
def test_only_operations_preview_publish_and_amend(client, people, role) -> None:
    build_worked_example()
    client.force_login(people.user(role))
    with time_machine.travel(after(Q1), tick=False):
        assert client.get("/results/2026Q1/preview/").status_code == 404
        assert client.post("/results/2026Q1/preview/", {"confirm_missing": "on"}).status_code == 404
        assert client.get("/results/2026Q1/publish/").status_code == 404
        assert client.post("/results/2026Q1/publish/", {"confirmation": "2026Q1", "confirm_missing": "on"}).status_code == 404
        assert client.post("/results/2026Q1/amend/", {"reason": "x"}).status_code == 404
    assert not QuarterResult.objects.exists()


def test_operations_preview_then_publish_with_the_missing_cells_confirmed(client, people) -> None:
    build_worked_example()
    inspect(people.project, "property", Q1, [(3, NOT_DONE)], state=InspectionState.IN_PROGRESS)
    client.force_login(people.user("inspector"))
    with time_machine.travel(after(Q1), tick=False):
        response = client.get("/results/2026Q1/preview/")
        assert response.status_code == 200
        assert [m.function for m in response.context["preview"].missing] == ["property"]
        assert "东原·光谷印" in response.content.decode()
        assert 'href="/results/2026Q1/publish/"' in response.content.decode()
        confirm = client.get("/results/2026Q1/publish/")
        assert confirm.status_code == 200
        fingerprint = confirm.context["form"]["fingerprint"].value()
        refused = client.post("/results/2026Q1/publish/", {"confirmation": "2026Q1", "fingerprint": fingerprint})
        assert refused.status_code == 400 and list(refused.context["form"].errors) == ["confirm_missing"]
        assert not QuarterResult.objects.exists()
        response = client.post(
            "/results/2026Q1/publish/", {"confirmation": "2026q1 ", "confirm_missing": "on", "fingerprint": fingerprint}
        )
    assert response.status_code == 302 and response["Location"] == "/results/2026Q1/"
    result = QuarterResult.objects.get()
    assert (result.published_by, result.confirmed_missing) == (
        people.user("inspector"),
        [{"project": "GG", "function": "property"}],
    )


def test_the_preview_before_the_quarter_ends_offers_no_publish_button(client, people) -> None:
    build_worked_example()
    client.force_login(people.user("inspector"))
    with time_machine.travel(after(Q1, days=-5), tick=False):
        response = client.get("/results/2026Q1/preview/")
        assert response.status_code == 200 and "/results/2026Q1/publish/" not in response.content.decode()
        client.post("/results/2026Q1/preview/", {"confirm_missing": "on", "confirmation": "2026Q1"})
        fingerprint = client.get("/results/2026Q1/publish/").context["form"]["fingerprint"].value()
        early = client.post(
            "/results/2026Q1/publish/", {"confirm_missing": "on", "confirmation": "2026Q1", "fingerprint": fingerprint}
        )
        assert early.status_code == 400 and "尚未结束" in early.content.decode()
    assert not QuarterResult.objects.exists()


def test_operations_amend_with_a_reason(client, people, published, later) -> None:
    client.force_login(people.user("inspector"))
    assert client.get("/results/2026Q1/amend/").status_code == 200
    assert client.post("/results/2026Q1/amend/", {"reason": " "}).status_code == 200
    response = client.post("/results/2026Q1/amend/", {"reason": "无变化的修订"})  # nothing changed: refused
    assert response.status_code == 200 and QuarterResult.objects.count() == 1
    from scoring.models import GradeBand

    GradeBand.objects.filter(label="B+").update(min_percent=89)  # GG 89.29 becomes B+ still; HK unchanged
    GradeBand.objects.filter(label="A").update(min_percent=89.5)
    GradeBand.objects.filter(label="B-").update(min_percent=67)  # marketing and HK 66.67 → C
    response = client.post("/results/2026Q1/amend/", {"reason": "等级档更正"})
    assert response.status_code == 302
    assert QuarterResult.objects.latest("version").units.get(code="HK").grade == "C"
    page = client.get("/results/2026Q1/")
    assert [v.version for v in page.context["versions"]] == [2, 1]
    old = client.get("/results/2026Q1/?v=1")
    assert old.context["is_latest"] is False and {r.code: r.grade for r in old.context["page"].projects}["HK"] == "B-"


def test_the_export_is_for_operations_and_hr(client, people, published, later) -> None:
    client.force_login(people.user("hr"))
    response = client.get("/results/2026Q1/export/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    client.force_login(people.user("lead"))
    assert client.get("/results/2026Q1/export/").status_code == 404


def test_the_home_page_shows_my_units_and_operations_the_pending_quarter(client, people, published) -> None:
    client.force_login(people.user("head"))
    with time_machine.travel(after(Q1, days=9), tick=False):
        body = client.get("/").content.decode()
    assert "2026 年考核结果" in body and "预警" in body
    client.force_login(people.user("inspector"))
    with time_machine.travel(after(Quarter2 := Q1.next(), days=3), tick=False):
        body = client.get("/").content.decode()
    assert f"/results/{Quarter2}/preview/" in body


def test_publishing_from_the_browser_is_two_steps_naming_the_quarter_and_the_counts(client, people) -> None:
    # Found in the field: the preview's form carried only the CSRF field, so one POST published (and e-mailed 35 people).
    build_worked_example()
    client.force_login(people.user("inspector"))
    with time_machine.travel(after(Q1), tick=False):
        for bare in ({}, {"confirm_missing": "on"}):
            refused = client.post("/results/2026Q1/preview/", bare)
            assert refused.status_code == 400
            page = refused.content.decode()
            assert "请输入季度编号 2026Q1 以确认发布;未发布任何结果" in page
        confirm = client.get("/results/2026Q1/publish/")
        page = confirm.content.decode()
        # SPEC §12: 7 units assessed (5 functions, 2 projects); rewards: design, property; penalty: engineering.
        counts = confirm.context["counts"]
        assert (counts.units, counts.rewards, counts.penalties, counts.missing) == (7, 2, 1, 0)
        assert "2026年第1季度(2026Q1)" in page
        assert "7 个考核单元列入考核" in page and "奖励 2 项" in page and "处罚 1 项" in page
        fingerprint = confirm.context["form"]["fingerprint"].value()
        wrong = client.post("/results/2026Q1/publish/", {"confirmation": "2025Q4", "fingerprint": fingerprint})
        assert wrong.status_code == 400 and "输入的「2025Q4」不是 2026Q1;未发布任何结果" in wrong.content.decode()
        stale = client.post("/results/2026Q1/publish/", {"confirmation": "2026Q1", "fingerprint": "0" * 64})
        assert stale.status_code == 400 and "结果已有变化" in stale.content.decode()
        assert not QuarterResult.objects.exists()
        done = client.post("/results/2026Q1/publish/", {"confirmation": "2026Q1", "fingerprint": fingerprint})
    assert done.status_code == 302 and done["Location"] == "/results/2026Q1/"
    assert QuarterResult.objects.get().published_by == people.user("inspector")


def test_a_confirmation_given_for_other_figures_is_refused(client, people) -> None:
    inspections = build_worked_example()
    client.force_login(people.user("inspector"))
    with time_machine.travel(after(Q1), tick=False):
        fingerprint = client.get("/results/2026Q1/publish/").context["form"]["fingerprint"].value()
        inspections[("GG", "marketing")].items.update(verdict=NOT_DONE)  # someone re-judges a cell meanwhile
        refused = client.post("/results/2026Q1/publish/", {"confirmation": "2026Q1", "fingerprint": fingerprint})
    assert refused.status_code == 400 and "结果已有变化" in refused.content.decode()
    assert not QuarterResult.objects.exists()


def test_a_quarter_without_any_finalised_inspection_is_refused_on_every_page(client, people) -> None:
    # Found in the field: 2025Q1, with no inspection at all, published (SPEC §7).
    inspect(people.project, "marketing", Q1, [(3, DONE)], state=InspectionState.IN_PROGRESS)
    client.force_login(people.user("inspector"))
    with time_machine.travel(after(Q1), tick=False):
        preview = client.get("/results/2026Q1/preview/").content.decode()
        assert "2026Q1 没有任何定稿的检查,不能发布" in preview and "/results/2026Q1/publish/" not in preview
        confirm = client.get("/results/2026Q1/publish/").content.decode()
        assert "没有任何定稿的检查" in confirm and 'id="sc-publish-form"' not in confirm
        posted = client.post("/results/2026Q1/publish/", {"confirmation": "2026Q1", "confirm_missing": "on", "fingerprint": "x"})
        assert posted.status_code == 400 and "没有任何定稿的检查" in posted.content.decode()
    assert not QuarterResult.objects.exists()
