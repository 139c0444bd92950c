"""The heat map's window sums (SPEC §16): each publication that enters the window stores its sums in the same
statement; they equal the window's versions' counts summed on the fly, through any sequence of publications and
amendments (an amendment supersedes its version, a new quarter pushes the oldest out); the map reads them only when
they are exactly its window's, and shows exactly what summing the versions shows, for every reader and filter."""

from __future__ import annotations

import importlib
from collections import defaultdict

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from audits.choices import ItemStatus
from audits.models import InspectionItem
from core.access import Scope, scope_for
from core.dates import Quarter
from scoring import insight, services
from scoring.models import HeatCount, QuarterResult, ResultFrozen
from scoring.services import PublicationRefused, quarter_amend, quarter_publish
from tests.scoring.builders import after, ensure_default_rules
from touchpoints.choices import Function

from .builders import cell

pytestmark = pytest.mark.django_db
DONE, NOT_DONE, NA = ItemStatus.DONE, ItemStatus.NOT_DONE, ItemStatus.NA
QUARTERS = [Quarter(2025, 1), Quarter(2025, 2), Quarter(2025, 3), Quarter(2025, 4), Quarter(2026, 1)]
CODES = [("MKT-01", "开盘销售"), ("MKT-02", "签约按揭"), ("DES-01", "规划设计")]
migration = importlib.import_module("scoring.migrations.0007_heat_windows")


def window_sums(window_id: int) -> dict[tuple, tuple[int, int]]:
    rows = HeatCount.objects.filter(window_id=window_id).values_list(
        "project_id", "function", "code", "stage", "not_done", "judged"
    )
    return {(p, f, c, s): (nd, j) for p, f, c, s, nd, j in rows}


def summed_on_the_fly(window: list[insight.PublishedQuarter]) -> dict[tuple, tuple[int, int]]:
    """The oracle: the window's versions' own counts (cells and totals), summed."""
    sums: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    rows = HeatCount.objects.filter(result_id__in=[q.pk for q in window]).values_list(
        "project_id", "function", "code", "stage", "not_done", "judged"
    )
    for p, f, c, s, nd, j in rows:
        sums[(p, f, c, s)][0] += nd
        sums[(p, f, c, s)][1] += j
    return {key: tuple(value) for key, value in sums.items()}


def maps_as_data(maps: insight.HeatMaps) -> tuple:
    return (
        [(q.pk, str(q.quarter)) for q in maps.quarters],
        maps.by_project.columns,
        maps.by_quarter.columns,
        [(r.code, r.name, r.function, r.not_done, r.applicable, r.counts, r.cells_html) for r in maps.by_project.rows],
        [(r.code, r.name, r.function, r.not_done, r.applicable, r.counts, r.cells_html) for r in maps.by_quarter.rows],
        maps.page,
    )


def summing_the_versions(monkeypatch, **kwargs) -> insight.HeatMaps:
    """The map as it was read before the window sums: its versions' counts summed on every read."""
    real = insight.heat_window
    with monkeypatch.context() as patch:
        patch.setattr(insight, "heat_window", lambda *, count: (real(count=count)[0], None))
        return insight.heat_maps(**kwargs)


def readers(people) -> list[Scope]:
    return [Scope(operations=True)] + [scope_for(people.user(who)) for who in ("director", "head", "lead", "team_design")]


def verdicts(draw_bits: list[int]) -> list[str]:
    return [(DONE, NOT_DONE, NA)[bit % 3] for bit in draw_bits]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@example(steps=[(0, [2, 2, 0, 0, 0, 2, 2, 2, 0, 0, 0, 2])])  # found by Hypothesis: one quarter, every item N/A
@given(
    steps=st.lists(
        st.tuples(st.integers(0, len(QUARTERS) - 1), st.lists(st.integers(0, 2), min_size=12, max_size=12)),
        min_size=1,
        max_size=7,
    )
)
def test_stored_window_sums_equal_the_versions_summed_through_any_publications(people, monkeypatch, steps) -> None:
    """Random publications and amendments, over five quarters with a window of three (so quarters leave the window
    and amendments land in and out of it): after each, the stored sums are the window's versions' counts summed, and
    every reader's map, filtered or not, is exactly the map summed on the fly."""
    monkeypatch.setattr(services, "HEAT_WINDOW", 3)
    ensure_default_rules()
    projects = [people.project, people.other_project]
    try:
        with transaction.atomic():
            for index, (q, bits) in enumerate(steps):
                quarter = QUARTERS[q]
                chosen = verdicts(bits)
                with time_machine.travel(after(quarter, days=1 + index), tick=False):
                    if not QuarterResult.objects.filter(year=quarter.year, quarter=quarter.number).exists():
                        n = 0
                        for project in projects:
                            for function, prefix in ((Function.MARKETING, "MKT"), (Function.DESIGN, "DES")):
                                rows = [(c, s, chosen[n + i]) for i, (c, s) in enumerate(CODES) if c.startswith(prefix)]
                                n += 3
                                cell(project, function, quarter, rows)
                        quarter_publish(quarter=quarter, user=None, confirm_missing=True)
                    else:
                        items = InspectionItem.objects.filter(
                            inspection__year=quarter.year, inspection__quarter=quarter.number
                        ).order_by("pk")
                        for item, verdict in zip(items, chosen, strict=False):
                            InspectionItem.objects.filter(pk=item.pk).update(verdict=verdict)
                        try:
                            quarter_amend(quarter=quarter, user=None, reason="更正")
                        except PublicationRefused:
                            continue  # nothing changed: no new version
                window, stored = insight.heat_window(count=3)
                if stored is None:
                    # Nothing in the window judged done or not done (every item N/A): no count to store, so no sums
                    # either (every stored count has an item judged); the map sums the versions, finding nothing.
                    assert not HeatCount.objects.filter(result_id__in=[q.pk for q in window]).exists()
                else:  # one publication at a time: the newest version summed the window
                    assert window_sums(stored) == summed_on_the_fly(window)
                for scope in readers(people):
                    for filters in ({}, {"function": "design"}, {"stage": "开盘销售"}):
                        kwargs = {"scope": scope, "count": 3, "per_page": 2, **filters}
                        for page in (1, 2):
                            assert maps_as_data(insight.heat_maps(page=page, **kwargs)) == maps_as_data(
                                summing_the_versions(monkeypatch, page=page, **kwargs)
                            ), (scope, filters, page)
            raise _Rollback
    except _Rollback:
        pass


class _Rollback(Exception):
    """Undo one example's publications (hypothesis runs many in one test)."""


def test_a_version_out_of_the_window_stores_no_sums_and_the_window_keeps_its_own(people, monkeypatch) -> None:
    monkeypatch.setattr(services, "HEAT_WINDOW", 2)
    ensure_default_rules()
    for quarter in (QUARTERS[1], QUARTERS[2]):
        cell(people.project, Function.MARKETING, quarter, [("MKT-01", "开盘销售", NOT_DONE)])
        with time_machine.travel(after(quarter), tick=False):
            quarter_publish(quarter=quarter, user=None, confirm_missing=True)
    window, stored = insight.heat_window(count=2)
    cell(people.project, Function.MARKETING, QUARTERS[0], [("MKT-01", "开盘销售", DONE)])
    with time_machine.travel(after(QUARTERS[2], days=5), tick=False):
        old = quarter_publish(quarter=QUARTERS[0], user=None, confirm_missing=True)  # an older quarter: outside the window
    assert not HeatCount.objects.filter(window=old).exists() and HeatCount.objects.filter(result=old).exists()
    assert insight.heat_window(count=2) == (window, stored)
    assert window_sums(stored)[(people.project.pk, "marketing", "MKT-01", "开盘销售")] == (2, 2)


def test_the_map_sums_the_versions_when_no_stored_sums_are_its_window(people, monkeypatch) -> None:
    """Two publications committed at the same moment may each sum a window without the other: the map then finds no
    stored sums for its window and sums the versions, showing the same."""
    ensure_default_rules()
    for quarter in (QUARTERS[0], QUARTERS[1]):
        cell(people.project, Function.MARKETING, quarter, [("MKT-01", "开盘销售", NOT_DONE), ("MKT-02", "签约按揭", DONE)])
    with time_machine.travel(after(QUARTERS[0]), tick=False):
        quarter_publish(quarter=QUARTERS[0], user=None, confirm_missing=True)
    with time_machine.travel(after(QUARTERS[1]), tick=False):
        monkeypatch.setattr(services, "heat_counts_write", lambda *, result: None)
        second = quarter_publish(quarter=QUARTERS[1], user=None, confirm_missing=True)
    with connection.cursor() as cursor:  # the second's counts, and a window summed as if the first were not there
        params = {"result": second.pk, "year": 2025, "quarter": 2, "finalised": "finalised", "done": "done"}
        cursor.execute(
            services._heat_counts_sql().replace("WHERE NOT EXISTS", "WHERE r.id = %(result)s AND NOT EXISTS"),
            {**params, "not_done": "not_done", "window": 8},
        )
    window, stored = insight.heat_window()
    assert len(window) == 2 and stored is None
    assert HeatCount.objects.filter(window=second).exists()  # there are sums, but of another window
    ops = Scope(operations=True)
    maps = insight.heat_maps(scope=ops)
    assert {r.code: r.counts for r in maps.by_project.rows} == {"MKT-01": {"GG": (2, 2)}, "MKT-02": {"GG": (0, 2)}}


def test_the_next_window_adds_a_version_the_last_stored_window_lacks(people, monkeypatch) -> None:
    """Publication starts the window's sums from the last window stored: when that one was summed without a version
    now in the window (beside a concurrent publication), the next publication adds that version's counts."""
    ensure_default_rules()
    for quarter in QUARTERS[:3]:
        cell(people.project, Function.MARKETING, quarter, [("MKT-01", "开盘销售", NOT_DONE), ("MKT-02", "签约按揭", DONE)])
    cell(people.other_project, Function.DESIGN, QUARTERS[0], [("DES-01", "规划设计", NOT_DONE)])
    with time_machine.travel(after(QUARTERS[0]), tick=False):
        first = quarter_publish(quarter=QUARTERS[0], user=None, confirm_missing=True)
    with time_machine.travel(after(QUARTERS[1]), tick=False), monkeypatch.context() as patch:
        patch.setattr(services, "heat_counts_write", lambda *, result: None)
        second = quarter_publish(quarter=QUARTERS[1], user=None, confirm_missing=True)
    with connection.cursor() as cursor:  # the second's counts, and a window summed as if the first were not there
        params = {"result": second.pk, "year": 2025, "quarter": 2, "finalised": "finalised", "done": "done"}
        cursor.execute(
            services._heat_counts_sql().replace("WHERE NOT EXISTS", "WHERE r.id = %(result)s AND NOT EXISTS"),
            {**params, "not_done": "not_done", "window": 8},
        )
    assert HeatCount.objects.filter(window=second, project__isnull=True).values_list("members", flat=True)[0] == str(second.pk)
    with time_machine.travel(after(QUARTERS[2]), tick=False):
        third = quarter_publish(quarter=QUARTERS[2], user=None, confirm_missing=True)
    window, stored = insight.heat_window()
    assert [q.pk for q in window] == [first.pk, second.pk, third.pk] and stored == third.pk
    sums = window_sums(stored)
    assert sums == summed_on_the_fly(window)
    assert sums[(people.other_project.pk, "design", "DES-01", "规划设计")] == (1, 1)  # only the first has it
    assert sums[(people.project.pk, "marketing", "MKT-01", "开盘销售")] == (3, 3)


def test_with_no_window_stored_publication_sums_every_version_of_the_window(people, monkeypatch) -> None:
    """Versions with their counts but no window stored (as migration 0006 left them): the next window is summed from
    every version's counts."""
    ensure_default_rules()
    monkeypatch.setattr(services, "HEAT_WINDOW", 0)  # no version is in a window of none: counts only
    for quarter in QUARTERS[:2]:
        cell(people.project, Function.MARKETING, quarter, [("MKT-01", "开盘销售", NOT_DONE)])
        with time_machine.travel(after(quarter), tick=False):
            second = quarter_publish(quarter=quarter, user=None, confirm_missing=True)
    assert not HeatCount.objects.filter(window__isnull=False).exists()
    monkeypatch.setattr(services, "HEAT_WINDOW", 8)
    cell(people.project, Function.DESIGN, QUARTERS[1], [("DES-01", "规划设计", NOT_DONE)])
    with time_machine.travel(after(QUARTERS[1], days=3), tick=False):
        amended = quarter_amend(quarter=QUARTERS[1], user=None, reason="补检")
    window, stored = insight.heat_window()
    assert stored == amended.pk and second.pk not in {q.pk for q in window}
    assert window_sums(stored) == summed_on_the_fly(window)
    assert window_sums(stored)[(people.project.pk, "marketing", "MKT-01", "开盘销售")] == (2, 2)


def test_the_map_reads_the_stored_sums_not_the_versions(people) -> None:
    ensure_default_rules()
    for quarter in QUARTERS[:3]:
        cell(people.project, Function.MARKETING, quarter, [("MKT-01", "开盘销售", NOT_DONE)])
        with time_machine.travel(after(quarter), tick=False):
            quarter_publish(quarter=quarter, user=None, confirm_missing=True)
    with CaptureQueriesContext(connection) as queries:
        maps = insight.heat_maps(scope=Scope(operations=True))
    assert maps.by_project.rows[0].counts == {"GG": (3, 3)}
    sums = [q["sql"] for q in queries.captured_queries if "SUM(not_done)" in q["sql"]]
    assert len(sums) == 3 and sum("window_id = " in sql for sql in sums) == 2  # the order and the page's cells
    assert len(queries.captured_queries) == 6


@pytest.mark.django_db(transaction=True)
def test_migration_0007_backfills_the_current_window_as_publication_stores_it(people) -> None:
    ensure_default_rules()
    for quarter in QUARTERS[:2]:
        cell(people.project, Function.MARKETING, quarter, [("MKT-01", "开盘销售", NOT_DONE), ("MKT-02", "签约按揭", DONE)])
        cell(people.other_project, Function.DESIGN, quarter, [("DES-01", "规划设计", NOT_DONE)])
        with time_machine.travel(after(quarter), tick=False):
            quarter_publish(quarter=quarter, user=None, confirm_missing=True)
    cell(people.project, Function.DESIGN, QUARTERS[1], [("DES-01", "规划设计", NOT_DONE)])
    with time_machine.travel(after(QUARTERS[1], days=3), tick=False):
        quarter_amend(quarter=QUARTERS[1], user=None, reason="补检")
    window, stored = insight.heat_window()
    published = window_sums(stored)
    try:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate([("scoring", "0006_heat_counts")])  # the window rows go with the columns
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate([("scoring", "0007_heat_windows")])
        assert insight.heat_window() == (window, stored)
        assert window_sums(stored) == published == summed_on_the_fly(window)
        rows = HeatCount.objects.count()

        class Editor:
            connection = connection

        from django.apps import apps

        migration.backfill(apps, Editor())  # run again: a window that has its sums is skipped
        assert HeatCount.objects.count() == rows
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_window_sums_are_frozen_like_the_counts(people) -> None:
    """The ORM refuses to change or delete them; the database refuses UPDATE (and DELETE on PostgreSQL), also after
    migration 0007 rebuilt SQLite's table."""
    ensure_default_rules()
    cell(people.project, Function.MARKETING, QUARTERS[0], [("MKT-01", "开盘销售", NOT_DONE)])
    with time_machine.travel(after(QUARTERS[0]), tick=False):
        result = quarter_publish(quarter=QUARTERS[0], user=None, confirm_missing=True)
    row = HeatCount.objects.filter(window=result, project__isnull=False).get()
    row.not_done = 0
    with pytest.raises(ResultFrozen):
        row.save()
    with pytest.raises(ResultFrozen):
        row.delete()
    with pytest.raises(ResultFrozen):
        HeatCount.objects.filter(window=result).update(not_done=0)
    statements = ["UPDATE scoring_heatcount SET not_done = 0 WHERE window_id = %s"]
    if connection.vendor == "postgresql":
        statements.append("DELETE FROM scoring_heatcount WHERE window_id = %s")
    for sql in statements:
        with pytest.raises(DatabaseError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [result.pk])
    assert HeatCount.objects.filter(window=result).count() == 2 and HeatCount.objects.get(pk=row.pk).not_done == 1
