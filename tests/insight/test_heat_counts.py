"""The heat map's counts (SPEC §16): stored once per published version, in the publication's transaction, equal to what
the inspection items say, frozen like the results (SPEC §7), backfilled by migration 0006; the map reads them narrowed to
the reader's cells, a page of touchpoints at a time, in a fixed number of queries."""

from __future__ import annotations

import importlib
import random
import re
from collections import Counter, defaultdict

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from audits.choices import InspectionState, ItemStatus
from audits.models import InspectionItem
from core.access import Scope, scope_for
from core.dates import Quarter
from scoring import insight
from scoring.models import HeatCount, QuarterResult, ResultFrozen
from scoring.services import _heat_counts_sql, heat_counts_verify, quarter_amend, quarter_publish, results_verify
from tests.factories import AssignmentFactory, ProjectFactory
from tests.scoring.builders import Q1, after, build_quarter, ensure_default_rules
from touchpoints.choices import Function, Role

from .builders import cell, publish

pytestmark = pytest.mark.django_db
DONE, NOT_DONE, NA, BLANK = ItemStatus.DONE, ItemStatus.NOT_DONE, ItemStatus.NA, ""
Q2 = Quarter(2026, 2)
migration = importlib.import_module("scoring.migrations.0006_heat_counts")


@pytest.fixture
def later():
    with time_machine.travel(after(Q2, days=20), tick=False):
        yield


def from_items(quarter: Quarter, readable=lambda project_id, function: True):
    """The oracle: (project id, function, code, stage) → [not done, judged] counted from the quarter's finalised items."""
    counts: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    items = InspectionItem.objects.filter(
        inspection__year=quarter.year, inspection__quarter=quarter.number, inspection__state=InspectionState.FINALISED
    ).values_list("inspection__project_id", "inspection__function", "code", "stage_name", "verdict")
    for project_id, function, code, stage, verdict in items:
        if verdict in (DONE, NOT_DONE) and readable(project_id, function):
            entry = counts[(project_id, function, code, stage)]
            entry[0] += verdict == NOT_DONE
            entry[1] += 1
    return {key: tuple(value) for key, value in counts.items()}


def stored(result: QuarterResult):
    rows = HeatCount.objects.filter(result=result).values_list("project_id", "function", "code", "stage", "not_done", "judged")
    cells = {(p, f, c, s): (nd, j) for p, f, c, s, nd, j in rows if p is not None}
    totals = {(f, c, s): (nd, j) for p, f, c, s, nd, j in rows if p is None}
    return cells, totals


def summed(cells) -> dict:
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for (_p, function, code, stage), (nd, judged) in cells.items():
        totals[(function, code, stage)][0] += nd
        totals[(function, code, stage)][1] += judged
    return {key: tuple(value) for key, value in totals.items()}


def random_quarter(quarter: Quarter, seed: int) -> None:
    """Three projects × two functions × eight touchpoints with random verdicts (blank, not applicable, not occurred
    included), two stages, and one cell still being inspected (its items must not count)."""
    rng = random.Random(seed)
    projects = [ProjectFactory(code=f"R{seed}{i}") for i in range(3)]
    verdicts = [DONE, NOT_DONE, NA, ItemStatus.NOT_OCCURRED, BLANK]
    for project in projects:
        for function in (Function.MARKETING, Function.DESIGN):
            rows = [(f"{function[:3].upper()}-{i:02d}", ("开盘销售", "交付入伙")[i % 2], rng.choice(verdicts)) for i in range(8)]
            cell(project, function, quarter, rows)
    cell(projects[0], Function.PROPERTY, quarter, [("PRO-01", "物业服务", NOT_DONE)], state=InspectionState.IN_PROGRESS)


# -- stored at publication -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_publication_stores_the_counts_the_items_give(seed) -> None:
    ensure_default_rules()
    random_quarter(Q1, seed)
    with time_machine.travel(after(Q1), tick=False):
        result = quarter_publish(quarter=Q1, user=None, confirm_missing=True)
    cells, totals = stored(result)
    assert cells == from_items(Q1)
    assert totals == summed(cells)  # each touchpoint's every-project total
    assert not any(code == "PRO-01" for _p, _f, code, _s in cells)  # the cell still being inspected counts nowhere


def test_publication_stays_at_twenty_queries_with_the_counts(people, django_assert_max_num_queries) -> None:
    from tests.scoring.builders import build_worked_example

    build_worked_example()
    with time_machine.travel(after(Q1, days=10), tick=False), django_assert_max_num_queries(20):
        result = quarter_publish(quarter=Q1, user=None)
    assert stored(result)[0] == from_items(Q1)


def test_an_amendment_stores_its_own_counts_and_leaves_the_first_versions(people, later) -> None:
    ensure_default_rules()
    cell(people.project, Function.MARKETING, Q1, [("MKT-01", "开盘销售", NOT_DONE), ("MKT-02", "开盘销售", DONE)])
    cell(people.other_project, Function.MARKETING, Q1, [("MKT-01", "开盘销售", NOT_DONE)])
    first = publish(Q1)
    before = stored(first)
    InspectionItem.objects.filter(code="MKT-01", inspection__project=people.project).update(verdict=DONE)
    with time_machine.travel(after(Q1, days=15), tick=False):
        second = quarter_amend(quarter=Q1, user=people.user("inspector"), reason="复核")
    assert stored(first) == before  # the superseded version keeps what it was published with
    cells, totals = stored(second)
    assert cells == from_items(Q1)
    assert totals[(Function.MARKETING, "MKT-01", "开盘销售")] == (1, 2)
    row = insight.heat_maps(scope=Scope(operations=True)).by_project.rows[0]
    assert (row.code, row.not_done, row.applicable) == ("MKT-01", 1, 2)  # the map reads the current version only


# -- frozen ------------------------------------------------------------------------------------------------------------


@pytest.fixture
def published(people, later) -> QuarterResult:
    ensure_default_rules()
    cell(people.project, Function.MARKETING, Q1, [("MKT-01", "开盘销售", NOT_DONE)])
    return publish(Q1)


def test_the_orm_refuses_to_change_or_delete_a_count(published) -> None:
    row = HeatCount.objects.filter(result=published, project__isnull=False).get()
    row.not_done = 0
    with pytest.raises(ResultFrozen):
        row.save()
    with pytest.raises(ResultFrozen):
        row.delete()
    with pytest.raises(ResultFrozen):
        HeatCount.objects.filter(result=published).update(not_done=0)
    with pytest.raises(ResultFrozen):
        HeatCount.objects.all().delete()
    with pytest.raises(ResultFrozen):
        HeatCount.objects.bulk_update([row], ["not_done"])
    assert HeatCount.objects.get(pk=row.pk).not_done == 1


def _raw(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_raw_sql_cannot_update_a_count_on_sqlite(published) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the PostgreSQL variant is the next test")
    with pytest.raises(DatabaseError, match="immutable"):
        _raw("UPDATE scoring_heatcount SET not_done = 0 WHERE result_id = %s", [published.pk])


def test_raw_sql_cannot_update_or_delete_a_count_on_postgresql(postgres, published) -> None:
    for sql in (
        "UPDATE scoring_heatcount SET not_done = 0 WHERE result_id = %s",
        "DELETE FROM scoring_heatcount WHERE result_id = %s",
    ):
        with pytest.raises(DatabaseError, match="immutable"):
            _raw(sql, [published.pk])
    assert HeatCount.objects.filter(result=published).count() == 2  # the cell and its total


def test_a_publications_counts_name_existing_versions_and_projects(published) -> None:
    """The counts have no foreign-key constraints in PostgreSQL (migration 0009); verify_results checks their
    references instead, and a publication's pass."""
    assert HeatCount.objects.filter(result=published).exists()
    assert heat_counts_verify() == []
    assert results_verify() == []


def test_verify_results_reports_a_count_naming_a_missing_version_or_project(postgres, published) -> None:
    missing = QuarterResult.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    template = HeatCount.objects.filter(result=published, project__isnull=False).get()
    HeatCount.objects.create(
        result_id=missing, project_id=template.project_id, function=template.function, code="X-1", name="x", not_done=0, judged=1
    )
    HeatCount.objects.create(
        result_id=published.pk,
        project_id=template.project_id + 1000,
        function=template.function,
        code="X-2",
        name="x",
        not_done=0,
        judged=1,
    )
    problems = [str(m) for m in heat_counts_verify()]
    assert len(problems) == 2, problems
    assert any(f"版本 {missing}" in p for p in problems) and any(f"项目 {template.project_id + 1000}" in p for p in problems)
    assert {str(m) for m in results_verify()} >= set(problems)


def test_postgresql_checks_no_foreign_key_of_a_count_at_commit(postgres) -> None:
    """What made the COMMIT of a publication cost 0.4–0.5 s: one deferred check per reference per row."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, HeatCount._meta.db_table)
    assert not [name for name, info in constraints.items() if info["foreign_key"]]


# -- backfill ---------------------------------------------------------------------------------------------------------


def test_the_migration_backfills_with_the_publications_own_counting() -> None:
    """0006's frozen copy counts as publication does (publication's statement then also sums the window, 0007)."""
    counting = _heat_counts_sql().split("), counted AS (")[0]
    for part in ("SUM(CASE WHEN it.verdict = %(not_done)s THEN 1 ELSE 0 END)", "COUNT(*)", "MAX(it.name)"):
        assert part in counting and part in migration.HEAT_COUNTS_SQL
    where = "WHERE i.year = %(year)s AND i.quarter = %(quarter)s AND i.state = %(finalised)s AND it.verdict IN (%(done)s, %(not_done)s)"
    assert where in counting and where in migration.HEAT_COUNTS_SQL


@pytest.mark.django_db(transaction=True)
def test_migration_0006_backfills_current_versions_only(people) -> None:
    """Versions published before the table existed: the current one gets its quarter's counts, a superseded one none."""
    ensure_default_rules()
    cell(people.project, Function.MARKETING, Q1, [("MKT-01", "开盘销售", NOT_DONE), ("MKT-02", "签约按揭", DONE)])
    cell(people.other_project, Function.DESIGN, Q1, [("DES-01", "规划设计", NA), ("DES-02", "规划设计", NOT_DONE)])
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("scoring", "0005_rectification_plan")])
    try:
        old = MigrationExecutor(connection).loader.project_state([("scoring", "0005_rectification_plan")]).apps
        Result = old.get_model("scoring", "QuarterResult")
        fields = {"year": 2026, "quarter": 1, "published_at": after(Q1), "snapshot": {}, "digest": "0" * 64}
        superseded = Result.objects.create(version=1, **fields)
        current = Result.objects.create(version=2, supersedes=superseded, **fields)
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate([("scoring", "0006_heat_counts")])
        cells, totals = stored(QuarterResult.objects.get(pk=current.pk))
        assert cells == from_items(Q1) and len(cells) == 3
        assert totals == summed(cells)
        assert not HeatCount.objects.filter(result_id=superseded.pk).exists()
        rows = HeatCount.objects.count()

        class Editor:
            connection = connection

        from django.apps import apps

        migration.backfill(apps, Editor())  # run again: versions that have counts are skipped
        assert HeatCount.objects.count() == rows
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


# -- who reads which cells ---------------------------------------------------------------------------------------------


@pytest.fixture
def two_quarters(people, later):
    """GG and HK, marketing and design, over Q1 and Q2, published."""
    ensure_default_rules()
    gg, hk = people.project, people.other_project
    for quarter, flip in ((Q1, False), (Q2, True)):
        cell(
            gg,
            Function.MARKETING,
            quarter,
            [("MKT-01", "开盘销售", NOT_DONE), ("MKT-02", "开盘销售", DONE if flip else NOT_DONE)],
        )
        cell(hk, Function.MARKETING, quarter, [("MKT-01", "开盘销售", DONE), ("MKT-02", "签约按揭", NOT_DONE)])
        cell(gg, Function.DESIGN, quarter, [("DES-01", "规划设计", NOT_DONE if flip else DONE), ("DES-02", "规划设计", NA)])
        cell(hk, Function.DESIGN, quarter, [("DES-01", "规划设计", NOT_DONE), ("DES-03", "规划设计", DONE)])
        publish(quarter)
    return people


def expected_maps(scope: Scope, *, function: str = "", stage: str = ""):
    """(code → project code → counts, code → quarter → counts, code → total) from the items, for the cells the
    scope may read."""
    from touchpoints.models import Project

    codes = dict(Project.objects.values_list("id", "code"))
    by_project: dict[str, Counter] = defaultdict(Counter)
    by_quarter: dict[str, Counter] = defaultdict(Counter)
    for quarter in (Q1, Q2):
        for (project_id, func, code, item_stage), (nd, judged) in from_items(quarter, scope.can_read_cell).items():
            if (function and func != function) or (stage and item_stage != stage):
                continue
            by_project[code][(codes[project_id], 0)] += nd
            by_project[code][(codes[project_id], 1)] += judged
            by_quarter[code][(str(quarter), 0)] += nd
            by_quarter[code][(str(quarter), 1)] += judged

    def pairs(counter: Counter) -> dict[str, tuple[int, int]]:
        return {key: (counter[(key, 0)], counter[(key, 1)]) for key, _n in counter}

    return {c: pairs(v) for c, v in by_project.items()}, {c: pairs(v) for c, v in by_quarter.items()}


def read(scope: Scope, **filters):
    maps = insight.heat_maps(scope=scope, **filters)
    by_project = {row.code: row.counts for row in maps.by_project.rows}
    by_quarter = {row.code: row.counts for row in maps.by_quarter.rows}
    assert [r.code for r in maps.by_project.rows] == [r.code for r in maps.by_quarter.rows]  # the same page
    for row in maps.by_project.rows:  # each line's total is its cells' sum, in both maps
        assert (row.not_done, row.applicable) == tuple(map(sum, zip(*row.counts.values(), strict=True)))
        assert (row.not_done, row.applicable) == tuple(map(sum, zip(*by_quarter[row.code].values(), strict=True)))
    return by_project, by_quarter


def unusual(people) -> User:
    """GG's director who also leads HK's design cell."""
    AssignmentFactory(person=people.director, role=Role.FUNCTIONAL_MANAGER, project=people.other_project, function="design")
    return User.objects.get(pk=people.user("director").pk)  # a fresh user: the scope is kept on the instance


@pytest.mark.parametrize(
    "who", ["inspector", "hr", "director", "head", "lead", "outsider", "team_marketing", "team_design", "unusual"]
)
def test_each_reader_sees_exactly_their_cells(two_quarters, who) -> None:
    user = unusual(two_quarters) if who == "unusual" else two_quarters.user(who)
    scope = scope_for(user)
    assert read(scope) == expected_maps(scope)
    for filters in ({"function": "design"}, {"stage": "开盘销售"}, {"function": "marketing", "stage": "签约按揭"}):
        assert read(scope, **filters) == expected_maps(scope, **filters), filters


def test_the_readers_maps_name_their_own_cells(two_quarters) -> None:
    people = two_quarters
    gg_only = read(scope_for(people.user("director")))[0]
    assert {project for counts in gg_only.values() for project in counts} == {"GG"}
    lead = read(scope_for(people.user("lead")))[0]  # GG marketing
    assert lead == {"MKT-01": {"GG": (2, 2)}, "MKT-02": {"GG": (1, 2)}}
    head = read(scope_for(people.user("head")))[0]  # marketing, every project (read from the totals)
    assert head == {"MKT-01": {"GG": (2, 2), "HK": (0, 2)}, "MKT-02": {"GG": (1, 2), "HK": (2, 2)}}
    mixed = read(scope_for(unusual(people)))[0]  # GG's cells, and HK's design
    assert mixed["DES-01"] == {"GG": (1, 2), "HK": (2, 2)} and "HK" not in mixed["MKT-01"]
    ops = read(Scope(operations=True))[0]
    assert set(ops) == {"MKT-01", "MKT-02", "DES-01", "DES-03"}  # DES-02 was never applicable


def test_whole_function_readers_read_the_totals_and_the_others_their_cells(two_quarters) -> None:
    people = two_quarters
    assert insight._whole_functions(Scope(hr=True)) == frozenset(Function.values)
    assert insight._whole_functions(scope_for(people.user("head"))) == {"marketing"}
    assert insight._whole_functions(scope_for(people.user("team_design"))) == {"design"}
    assert insight._whole_functions(scope_for(people.user("director"))) is None
    assert insight._whole_functions(scope_for(people.user("lead"))) is None
    head_and_lead = Scope(headed_functions=frozenset({"marketing"}), led_cells=frozenset({(people.other_project.pk, "design")}))
    assert insight._whole_functions(head_and_lead) is None  # a cell outside their function: summed from the cells
    assert read(head_and_lead) == expected_maps(head_and_lead)


# -- pages --------------------------------------------------------------------------------------------------------------


@pytest.fixture
def many_touchpoints(people, later):
    """70 marketing touchpoints over four projects, failing in 0 to 4 of them, and 5 design ones; one quarter."""
    ensure_default_rules()
    projects = [people.project, people.other_project, ProjectFactory(code="WH"), ProjectFactory(code="CQ")]
    for index, project in enumerate(projects):
        rows = [(f"MKT-{i:02d}", ("开盘销售", "签约按揭")[i % 2], NOT_DONE if (i * 7) % 5 > index else DONE) for i in range(70)]
        cell(project, Function.MARKETING, Q1, rows)
        cell(project, Function.DESIGN, Q1, [(f"DES-{i}", "规划设计", NOT_DONE if i == index else DONE) for i in range(5)])
    publish(Q1)
    return people


def worst_first(scope: Scope, **filters) -> list[str]:
    by_project, _by_quarter = expected_maps(scope, **filters)
    totals = {code: tuple(map(sum, zip(*counts.values(), strict=True))) for code, counts in by_project.items()}
    return sorted(totals, key=lambda c: (-totals[c][0] / totals[c][1], -totals[c][0], c))


def test_touchpoints_come_worst_first_a_page_at_a_time(many_touchpoints) -> None:
    ops = Scope(operations=True)
    order = worst_first(ops)
    assert len(order) == 75
    pages = [insight.heat_maps(scope=ops, page=n, per_page=30) for n in (1, 2, 3)]
    assert [[r.code for r in m.by_project.rows] for m in pages] == [order[:30], order[30:60], order[60:]]
    assert [[r.code for r in m.by_quarter.rows] for m in pages] == [order[:30], order[30:60], order[60:]]
    assert [(m.page.number, m.page.pages, m.page.first, m.page.last, m.page.total) for m in pages] == [
        (1, 3, 1, 30, 75),
        (2, 3, 31, 60, 75),
        (3, 3, 61, 75, 75),
    ]
    assert insight.heat_maps(scope=ops, page=99, per_page=30).page.number == 3  # out of range: the nearest page
    assert insight.heat_maps(scope=ops, page=-2, per_page=30).page.number == 1
    director = scope_for(many_touchpoints.user("director"))  # the same order, over GG's cells only
    assert [r.code for r in insight.heat_maps(scope=director, page=2, per_page=30).by_project.rows] == worst_first(director)[
        30:60
    ]


def test_filters_page_and_the_pager_keeps_them(client, many_touchpoints) -> None:
    client.force_login(many_touchpoints.user("inspector"))
    response = client.get("/results/insight/heatmap/?function=marketing&stage=签约按揭")
    maps = response.context["maps"]
    assert insight.HEAT_PAGE_SIZE == 20 and maps.page.total == 35 and maps.page.pages == 2
    assert [r.code for r in maps.by_project.rows] == worst_first(Scope(operations=True), function="marketing", stage="签约按揭")[
        :20
    ]
    html = response.content.decode()
    assert 'href="?function=marketing&amp;stage=%E7%AD%BE%E7%BA%A6%E6%8C%89%E6%8F%AD&amp;page=2"' in html
    assert "第 1–20 个触点,共 35 个" in html
    second = client.get("/results/insight/heatmap/?function=marketing&stage=签约按揭&page=2")
    assert second.context["maps"].page.number == 2 and len(second.context["maps"].by_project.rows) == 15
    assert (
        'rel="prev" href="?function=marketing&amp;stage=%E7%AD%BE%E7%BA%A6%E6%8C%89%E6%8F%AD&amp;page=1"'
        in second.content.decode()
    )
    # A cell's link keeps the filters and names its column; findings behind it are those items.
    link = re.search(r'href="(/results/insight/findings/\?[^"]+&amp;project=GG)"', html).group(1).replace("&amp;", "&")
    found = client.get(link).context["found"]
    assert found.rows and {(f.project_code, f.function, f.stage_name) for f in found.rows} == {("GG", "marketing", "签约按揭")}
    for bad in ("abc", "0", "-1", "99999999999"):
        assert client.get(f"/results/insight/heatmap/?page={bad}").status_code == 200
    assert client.get("/results/insight/heatmap/?page=abc").context["maps"].page.number == 1
    single = client.get("/results/insight/heatmap/?function=design")
    assert 'data-testid="heat-pager"' not in single.content.decode()  # one page: no pager


# -- fixed queries -----------------------------------------------------------------------------------------------------


def own_cells(people, quarter: Quarter, codes: int) -> None:
    """Cells of GG and HK (the named people's projects) in every function, so every reader has something to read."""
    for project in (people.project, people.other_project):
        for function in Function.values:
            rows = [(f"{function[:3].upper()}-{i:03d}", "开盘销售", (DONE, NOT_DONE)[i % 2]) for i in range(codes)]
            cell(project, function, quarter, rows)


@pytest.mark.parametrize("who", ["inspector", "director", "head", "lead", "team_design"])
def test_the_map_takes_the_same_queries_however_much_is_published(
    client, people, later, who, django_assert_max_num_queries
) -> None:
    ensure_default_rules()
    build_quarter(Q1, projects=2, items=5)
    own_cells(people, Q1, 5)
    publish(Q1)
    client.force_login(people.user(who))
    with CaptureQueriesContext(connection) as small:
        assert not client.get("/results/insight/heatmap/").context["maps"].empty
    build_quarter(Q2, projects=30, items=45)
    own_cells(people, Q2, 50)
    publish(Q2)
    with django_assert_max_num_queries(len(small)):
        response = client.get("/results/insight/heatmap/?page=2")
    assert response.context["maps"].page.number == 2
    assert len(small) <= 13
