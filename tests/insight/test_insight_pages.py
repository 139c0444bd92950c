"""Insight pages (SPEC §16): trends over published quarters, the heat maps of where it fails and their findings, and
the drill-down from a unit's score to its cells and items; fixed query counts and 404s for readers without access."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from audits.choices import ItemStatus
from audits.models import InspectionItem
from core.dates import Quarter
from scoring.services import quarter_amend
from tests.scoring.builders import Q1, after, build_quarter, ensure_default_rules
from touchpoints.choices import Function

from .builders import cell, publish, publish_worked_example

pytestmark = pytest.mark.django_db
DONE, NOT_DONE, NA = ItemStatus.DONE, ItemStatus.NOT_DONE, ItemStatus.NA
Q2 = Quarter(2026, 2)


@pytest.fixture
def later():
    with time_machine.travel(after(Q2, days=20), tick=False):
        yield


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


# -- trends -------------------------------------------------------------------------------------------------------


def test_trends_with_one_published_quarter_list_every_unit_with_its_single_point(client, people, later) -> None:
    publish_worked_example(Q1)
    client.force_login(people.user("outsider"))
    response = client.get("/results/insight/trends/")
    assert response.status_code == 200
    table = response.context["table"]
    assert [str(q.quarter) for q in table.quarters] == ["2026Q1"]
    engineering = next(r for r in table.functions if r.code == "engineering")
    assert [(str(p.percent), p.grade, p.rank) for p in engineering.points] == [("50.00", "C", 5)]
    assert response.context["chart"]["labels"] == ["2026Q1"]
    html = response.content.decode()
    assert 'id="in-trends"' in html
    # The point is a link to the unit's explanation, with its grade, score and rank, as markup (not escaped text).
    point = html[html.index('<tr data-unit="function:engineering"') :]
    point = point[: point.index("</tr>")]
    assert '<td><a href="/results/2026Q1/units/function/engineering/">' in point
    assert '<span class="badge text-bg-danger">C</span> <small>50.00%</small><div>第 5 名</div></a></td>' in point
    assert "&lt;" not in html[html.index("in-trend-table") : html.index('id="in-trends"')]
    english = client.get("/results/insight/trends/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<div>Rank 5</div>" in english


def test_trends_over_eight_quarters_put_the_readers_own_units_first(client, people, later) -> None:
    ensure_default_rules()
    quarters = [Quarter(2024, 3), Quarter(2024, 4), *Quarter.of_year(2025), Q1, Q2, Quarter(2024, 2)]
    for index, quarter in enumerate(quarters):
        for project in (people.project, people.other_project):
            failing = NOT_DONE if (project == people.project) == (index % 2 == 0) else DONE
            cell(project, Function.MARKETING, quarter, [("M-1", "开盘销售", DONE), ("M-2", "开盘销售", failing)])
            cell(project, Function.DESIGN, quarter, [("D-1", "规划设计", DONE)])
        publish(quarter)
    client.force_login(people.user("head"))  # marketing's head
    table = client.get("/results/insight/trends/").context["table"]
    assert [str(q.quarter) for q in table.quarters] == [str(q) for q in sorted(quarters)[-8:]]
    assert table.functions[0].code == "marketing" and table.functions[0].mine
    assert all(len(row.points) == 8 for row in table.functions + table.projects)
    client.force_login(people.user("director"))  # GG's director: GG first among projects
    table = client.get("/results/insight/trends/").context["table"]
    assert table.projects[0].code == "GG" and table.projects[0].mine
    gg = table.projects[0]
    assert {p.rank for p in gg.points} == {1, 2}


def test_trends_read_the_latest_version_of_an_amended_quarter(client, people, later) -> None:
    ensure_default_rules()
    for quarter in (Q1, Q2):
        cell(people.project, Function.MARKETING, quarter, [("M-1", "开盘销售", DONE), ("M-2", "开盘销售", NOT_DONE)])
        publish(quarter)
    InspectionItem.objects.filter(code="M-2", inspection__year=Q1.year, inspection__quarter=Q1.number).update(verdict=DONE)
    with time_machine.travel(after(Q2, days=25), tick=False):
        amended = quarter_amend(quarter=Q1, user=people.user("inspector"), reason="复核")
    client.force_login(people.user("outsider"))
    table = client.get("/results/insight/trends/").context["table"]
    first = table.quarters[0]
    assert (str(first.quarter), first.pk, first.version) == ("2026Q1", amended.pk, amended.version)
    assert [str(q.quarter) for q in table.quarters] == ["2026Q1", "2026Q2"]  # one column per quarter, oldest first
    marketing = next(r for r in table.functions if r.code == Function.MARKETING)
    assert [p.percent for p in marketing.points] == ["100.00", "50.00"]  # the amendment's score, then Q2's
    html = client.get("/results/insight/trends/").content.decode()
    assert html.count('<td><a href="/results/2026Q1/units/function/marketing/">') == 1


def test_trend_page_query_count_does_not_grow_with_units(client, people, later) -> None:
    ensure_default_rules()
    build_quarter(Q1, projects=3, items=4)
    publish(Q1)
    client.force_login(people.user("director"))
    small = queries(client, "/results/insight/trends/")
    build_quarter(Q2, projects=30, items=4)
    publish(Q2)
    # The session, the user, the reader's scope, the trends (their window, units and the reader's project codes in
    # one query) and the unread notifications: 7 when the window, the units and the codes were three queries.
    assert queries(client, "/results/insight/trends/") == small == 5


# -- heat maps and findings ----------------------------------------------------------------------------------------


@pytest.fixture
def failing(people):
    ensure_default_rules()
    gg, hk = people.project, people.other_project
    cell(gg, Function.MARKETING, Q1, [("MKT-01", "开盘销售", NOT_DONE), ("MKT-02", "开盘销售", DONE), ("MKT-03", "签约按揭", NA)])
    cell(hk, Function.MARKETING, Q1, [("MKT-01", "开盘销售", NOT_DONE), ("MKT-02", "开盘销售", DONE)])
    cell(gg, Function.DESIGN, Q1, [("DES-01", "规划设计", DONE)])
    publish(Q1)
    cell(gg, Function.MARKETING, Q2, [("MKT-01", "开盘销售", NOT_DONE), ("MKT-02", "开盘销售", NOT_DONE)])
    cell(hk, Function.MARKETING, Q2, [("MKT-01", "开盘销售", DONE), ("MKT-02", "开盘销售", DONE)])
    cell(gg, Function.DESIGN, Q2, [("DES-01", "规划设计", NOT_DONE)])
    publish(Q2)


def test_heat_map_rates_by_project_and_by_quarter_worst_touchpoint_first(client, people, failing, later) -> None:
    client.force_login(people.user("inspector"))
    response = client.get("/results/insight/heatmap/")
    maps = response.context["maps"]
    assert [r.code for r in maps.by_project.rows] == ["MKT-01", "DES-01", "MKT-02"]
    assert [k for k, _label in maps.by_project.columns] == ["GG", "HK"]
    mkt01 = maps.by_project.rows[0]
    assert (mkt01.not_done, mkt01.applicable, mkt01.rate) == (3, 4, "75")
    html = response.content.decode()
    # GG: 2 of 2 not done (100), HK: 1 of 2 (50); each links to the findings behind it.
    assert 'href="/results/insight/findings/?code=MKT-01&amp;project=GG" title="2/2">100</a>' in html
    assert 'href="/results/insight/findings/?code=MKT-01&amp;project=HK" title="1/2">50</a>' in html
    assert 'href="/results/insight/findings/?code=MKT-01&amp;quarter=2026Q2" title="1/2">50</a>' in html
    assert 'title="2/2">100</a>' in html  # MKT-01 in 2026Q1: GG and HK both not done
    # NA items count nowhere: MKT-03 never appears.
    assert "MKT-03" not in html


def test_heat_map_filters_by_function_and_stage(client, people, failing, later) -> None:
    client.force_login(people.user("hr"))
    maps = client.get("/results/insight/heatmap/?function=design").context["maps"]
    assert [r.code for r in maps.by_project.rows] == ["DES-01"]
    maps = client.get("/results/insight/heatmap/?stage=开盘销售").context["maps"]
    assert {r.code for r in maps.by_project.rows} == {"MKT-01", "MKT-02"}
    maps = client.get("/results/insight/heatmap/?function=property").context["maps"]
    assert maps.empty


def test_heat_map_shows_only_the_cells_the_reader_may_read(client, people, failing, later) -> None:
    client.force_login(people.user("director"))  # GG only
    maps = client.get("/results/insight/heatmap/").context["maps"]
    assert [k for k, _label in maps.by_project.columns] == ["GG"]
    client.force_login(people.user("outsider"))  # HK design: nothing judged there
    assert client.get("/results/insight/heatmap/").context["maps"].empty


def test_findings_list_the_not_done_items_behind_a_cell(client, people, failing, later) -> None:
    client.force_login(people.user("inspector"))
    found = client.get("/results/insight/findings/?code=MKT-01&project=GG").context["found"]
    assert [(str(f.quarter), f.project_code, f.finding) for f in found.rows] == [
        ("2026Q2", "GG", "MKT-01 未见记录"),
        ("2026Q1", "GG", "MKT-01 未见记录"),
    ]
    found = client.get("/results/insight/findings/?code=MKT-01&quarter=2026Q1").context["found"]
    assert {f.project_code for f in found.rows} == {"GG", "HK"}
    client.force_login(people.user("director"))  # may not read HK
    found = client.get("/results/insight/findings/?code=MKT-01&quarter=2026Q1").context["found"]
    assert {f.project_code for f in found.rows} == {"GG"}
    assert client.get("/results/insight/findings/?quarter=bad").status_code == 404
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_user("nobody"))  # signed in, no cell to read
    response = client.get("/results/insight/findings/?code=MKT-01")
    assert response.status_code == 200 and response.context["found"].rows == []


def test_heat_map_query_count_is_fixed(client, people, later) -> None:
    ensure_default_rules()
    build_quarter(Q1, projects=2, items=5)
    publish(Q1)
    client.force_login(people.user("inspector"))
    small = queries(client, "/results/insight/heatmap/")
    findings_small = queries(client, "/results/insight/findings/?code=MAR-002")
    build_quarter(Q2, projects=25, items=12)
    publish(Q2)
    assert queries(client, "/results/insight/heatmap/") == small <= 13  # 7 to sign in and build the scope, 6 for the maps
    assert len(client.get("/results/insight/heatmap/").context["maps"].by_project.columns) == 27
    assert queries(client, "/results/insight/findings/?code=MAR-002") == findings_small <= 10  # +1: R5b memberships in the scope


# -- drill-down ----------------------------------------------------------------------------------------------------


def test_every_number_on_the_results_page_links_to_its_explanation(client, people, later) -> None:
    publish_worked_example(Q1)
    client.force_login(people.user("director"))
    html = client.get("/results/2026Q1/").content.decode()
    assert (
        'href="/results/2026Q1/units/function/customer_relations/#score" class="fw-semibold sc-score" data-testid="score-link">92.86%</a>'
        in html
    )
    assert 'href="/results/2026Q1/units/function/engineering/#money"' in html
    assert 'href="/results/2026Q1/units/project/GG/#grade"' in html
    assert 'href="/results/2026Q1/units/project/GG/#rank"' in html
    assert 'href="/results/2026Q1/cells/GG/marketing/"' in html
    assert 'href="/results/2026Q1/bulletin.pdf"' in html
    assert html.count('href="/results/2026Q1/bulletin/#rewards"') == 2  # the totals
    client.force_login(people.user("head"))  # their own unit's quarter links to its explanation
    assert 'href="/results/2026Q1/units/function/marketing/"' in client.get("/results/2026Q1/").content.decode()


def test_unit_explanation_names_the_fraction_the_band_the_rank_and_the_rule(client, people, later) -> None:
    publish_worked_example(Q1)
    client.force_login(people.user("head"))
    response = client.get("/results/2026Q1/units/function/engineering/")
    html = response.content.decode()
    assert "完成权重 8 ÷ 适用权重 16 = 50.00%" in html
    assert "得分 50.00% 低于 60.00%,处罚 ¥3000。" in html
    x = response.context["x"]
    assert (x.unit["rank"], x.assessed_count, x.leaders) == (5, 5, ["研发", "物业"])
    assert x.cells == []  # the marketing head reads no engineering cell
    assert x.hidden_cells == 2
    response = client.get("/results/2026Q1/units/project/GG/")
    assert "排名第一,但得分 89.29% 未高于 90.00%,没有奖励。" in response.content.decode()
    assert [c.function for c in response.context["x"].cells] == ["marketing"]
    assert client.get("/results/2026Q1/units/project/NOPE/").status_code == 404
    assert client.get("/results/2026Q3/units/project/GG/").status_code == 404


def test_cell_explanation_shows_verdicts_findings_claims_and_files_only_to_its_readers(client, people, later) -> None:
    publish_worked_example(Q1)
    url = "/results/2026Q1/cells/GG/marketing/"
    client.force_login(people.user("lead"))
    response = client.get(url)
    x = response.context["x"]
    assert (x.done, x.applicable, x.not_done_count) == (8, 9, 1)
    assert "现场未见触点4记录" in response.content.decode()
    for role in ("director", "head", "inspector", "hr"):
        client.force_login(people.user(role))
        assert client.get(url).status_code == 200, role
    client.force_login(people.user("outsider"))
    assert client.get(url).status_code == 404
    assert client.get("/results/2026Q1/cells/GG/nope/").status_code == 404


def deliver(project, function: str, month: int, files: dict[str, list[str]]) -> None:
    """A submitted self-check of the cell in `month` of 2026 whose items (by code) carry the named files."""
    from django.core.files.base import ContentFile

    from audits.choices import SelfCheckState
    from audits.models import Deliverable, SelfCheck, SelfCheckItem

    check = SelfCheck.objects.create(project=project, function=function, year=2026, month=month, state=SelfCheckState.SUBMITTED)
    for code, names in files.items():
        claim = SelfCheckItem.objects.create(selfcheck=check, code=code, name=code, level_name="二级", weight=2, status="done")
        for name in names:
            deliverable = Deliverable(item=claim, original_name=name, size=8, content_type="application/pdf", sha256="0" * 64)
            deliverable.file.save("f.pdf", ContentFile(b"%PDF-1.4"), save=False)
            deliverable.save()


def test_a_cell_lists_each_items_files_of_the_quarters_months_in_order(client, people, later) -> None:
    publish_worked_example(Q1)  # GG marketing: GG-MAR-01 … GG-MAR-04
    gg = people.project
    deliver(gg, Function.MARKETING, 3, {"GG-MAR-01": ["三月-1.pdf", "三月-2.pdf"], "GG-MAR-04": ["三月-4.pdf"]})
    deliver(gg, Function.MARKETING, 1, {"GG-MAR-01": ["一月.pdf"]})
    deliver(gg, Function.MARKETING, 4, {"GG-MAR-01": ["四月.pdf"]})  # the next quarter
    deliver(gg, Function.DESIGN, 2, {"GG-MAR-01": ["设计.pdf"]})  # another cell
    deliver(people.other_project, Function.MARKETING, 2, {"GG-MAR-01": ["汉口.pdf"]})  # another project
    client.force_login(people.user("lead"))
    x = client.get("/results/2026Q1/cells/GG/marketing/").context["x"]
    files = {line.item.code: [(f.original_name, f.month) for f in line.files] for line in x.items}
    assert files == {
        "GG-MAR-01": [("一月.pdf", 1), ("三月-1.pdf", 3), ("三月-2.pdf", 3)],
        "GG-MAR-02": [],
        "GG-MAR-03": [],
        "GG-MAR-04": [("三月-4.pdf", 3)],
    }
    assert (x.done, x.applicable, x.not_done_count, x.version) == (8, 9, 1, 1)


def test_a_cell_takes_the_same_queries_however_many_items_and_files(client, people, later) -> None:
    publish_worked_example(Q1)
    client.force_login(people.user("lead"))
    url = "/results/2026Q1/cells/GG/marketing/"
    few = queries(client, url)
    deliver(people.project, Function.MARKETING, 2, {f"GG-MAR-0{n}": [f"{n}-{k}.pdf" for k in range(3)] for n in range(1, 5)})
    assert queries(client, url) == few
    assert sum(len(line.files) for line in client.get(url).context["x"].items) == 12


def test_drill_down_pages_have_fixed_query_counts(client, people, later) -> None:
    ensure_default_rules()
    small = build_quarter(Q1, projects=2, items=3)
    publish(Q1)
    client.force_login(people.user("inspector"))
    unit_small = queries(client, "/results/2026Q1/units/function/marketing/")
    cell_small = queries(client, f"/results/2026Q1/cells/{small[1].code}/marketing/")
    large = build_quarter(Q2, projects=12, items=30)
    publish(Q2)
    assert queries(client, "/results/2026Q2/units/function/marketing/") == unit_small <= 10  # +1: R5b memberships in the scope
    assert (
        queries(client, f"/results/2026Q2/cells/{large[1].code}/marketing/") == cell_small <= 12
    )  # +1: R5b memberships in the scope


def test_rates_are_exact_and_rounded_half_up() -> None:
    from scoring.insight import rate_class, rate_text

    assert [rate_text(1, 8), rate_text(1, 3), rate_text(2, 3), rate_text(0, 5), rate_text(1, 0)] == ["13", "33", "67", "0", ""]
    # A rate exactly on a step's bound falls in the step above it (10% is not "below 10%").
    assert [rate_class(1, 10), rate_class(1, 11), rate_class(1, 4), rate_class(3, 4), rate_class(0, 9), rate_class(0, 0)] == [
        "hm-2",
        "hm-1",
        "hm-3",
        "hm-5",
        "hm-0",
        "hm-na",
    ]


def test_an_amendment_is_a_new_version_and_a_new_map(client, people, failing, later) -> None:
    client.force_login(people.user("inspector"))
    before = client.get("/results/insight/heatmap/").context["maps"].by_project.rows[0]
    assert (before.code, before.not_done) == ("MKT-01", 3)
    InspectionItem.objects.filter(code="MKT-01", inspection__quarter=2).update(verdict=DONE)  # as an amendment would
    from scoring.services import quarter_amend

    with time_machine.travel(after(Q2, days=15), tick=False):
        quarter_amend(quarter=Q2, user=people.user("inspector"), reason="复核")
    rows = {r.code: r for r in client.get("/results/insight/heatmap/").context["maps"].by_project.rows}
    assert rows["MKT-01"].not_done == 2


@pytest.mark.django_db(databases=[])
@settings(deadline=None)  # the first example loads the URL configuration
@given(code=st.text(alphabet=st.sampled_from(list("Aa0-_.~!$&'()*+,;=:@ %?#<>\"触点")), min_size=1, max_size=12))
def test_a_cell_link_from_its_prefix_reads_as_reverse_writes_it(code) -> None:
    """The drill-down fragments build each cell's link from a prefix reversed once per page and the project's code
    quoted as `reverse` quotes it: the same address as `{% url %}` gave, whatever the code."""
    from django.urls import reverse

    from scoring.templatetags.drilldown import _prefix, segment

    prefix = _prefix("scoring:cell_detail", ["2026Q1", "P", "F"], "P/F/")
    assert prefix + segment(code) + "/marketing/" == reverse("scoring:cell_detail", args=["2026Q1", code, "marketing"])


def test_a_cells_items_are_escaped_where_they_are_prepared() -> None:
    """The cell page's rows write the cells `drilldown.item_cells` prepared without escaping them again: every text
    among them (code, name, stage, level, finding, claim note, file name) is escaped there, each label once."""
    from types import SimpleNamespace

    from django.utils import translation

    from scoring.insight import CellItem, FileLine, ItemLine
    from scoring.templatetags.drilldown import cell_items

    items = [
        ItemLine(CellItem(7, "<c>", "<n>", "<s>", "<l>", 2, "not_done", "<f>", "done", "<note>"), [FileLine(9, "<file>", 8)]),
        ItemLine(CellItem(8, "C2", "名称", "<s>", "<l>", 1, "", "", "", ""), []),
    ]
    with translation.override("zh-hans"):
        html = cell_items(SimpleNamespace(items=items))
    for raw in ("<c>", "<n>", "<s>", "<l>", "<f>", "<note>", "<file>"):
        assert raw not in html, raw
        assert raw.replace("<", "&lt;").replace(">", "&gt;") in html, raw
    assert 'id="item-7" data-testid="item-&lt;c&gt;" class="in-verdict-not_done"' in html
    assert 'class="in-verdict-blank"' in html and "未填写" in html and "虚报" in html and "计 0" in html
    assert '/9/" data-testid="file"' in html and "8月" in html
