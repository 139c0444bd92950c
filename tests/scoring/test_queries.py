"""Publishing and the results pages take a fixed number of queries, whatever the size of the company."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.access import scope_for
from core.dates import Quarter
from rewards.models import LedgerEntry
from scoring import home, selectors
from scoring.services import quarter_publish
from touchpoints.models import Project

from .builders import after, build_quarter

pytestmark = pytest.mark.django_db
Q = Quarter(2026, 1)


def publish_queries(*, projects: int, items: int, people: int = 0) -> int:
    build_quarter(Q, projects=projects, items=items, people_per_project=people)
    with time_machine.travel(after(Q), tick=False), CaptureQueriesContext(connection) as queries:
        result = quarter_publish(quarter=Q, user=None)
    assert result.units.count() == 5 + Project.objects.count()
    assert LedgerEntry.objects.filter(result=result).count() == 1  # builders: exactly one fine in both sizes
    return len(queries)


def test_publishing_takes_the_same_number_of_queries_for_2_or_60_projects(django_assert_max_num_queries) -> None:
    """60 projects × 5 functions × 40 items (12,000 items, 180 people) against 10 × 5 × 10; both with one ledger entry,
    since rewards.ledger posts one INSERT per entry (at most one per unit)."""
    small = publish_queries(projects=10, items=10, people=1)
    large_quarter = Quarter(2026, 2)  # another quarter: published rows are never deleted
    build_quarter(large_quarter, projects=60, items=40, people_per_project=3)
    with time_machine.travel(after(large_quarter), tick=False), django_assert_max_num_queries(small):
        result = quarter_publish(quarter=large_quarter, user=None)
    assert result.units.count() == 5 + 10 + 60  # the first quarter's projects are units too (not assessed)
    assert LedgerEntry.objects.filter(result=result).count() == 1


def test_the_results_page_and_home_panel_take_a_fixed_number_of_queries(people, client, django_assert_max_num_queries) -> None:
    build_quarter(Q, projects=10, items=10)
    with time_machine.travel(after(Q), tick=False):
        quarter_publish(quarter=Q, user=None)
        client.force_login(people.director.user)
        with CaptureQueriesContext(connection) as small_page:
            assert client.get("/results/2026Q1/").status_code == 200
        scope = scope_for(people.director.user)
        with CaptureQueriesContext(connection) as small_panel:
            home.panels(request=None, scope=scope, today=after(Q).date())
        with CaptureQueriesContext(connection) as small_caps:
            selectors.caps_for_year(year=2026)

    q2 = Quarter(2026, 2)
    build_quarter(q2, projects=40, items=10, people_per_project=3)
    with time_machine.travel(after(q2), tick=False):
        quarter_publish(quarter=q2, user=None)
        client.force_login(people.director.user)  # the first session expired in the months travelled
        with django_assert_max_num_queries(len(small_page)):
            assert client.get("/results/2026Q2/").status_code == 200
        with django_assert_max_num_queries(len(small_panel)):
            home.panels(request=None, scope=scope_for(people.director.user), today=after(q2).date())
        with django_assert_max_num_queries(len(small_caps)):
            selectors.caps_for_year(year=2026)


def test_the_publish_confirmation_page_takes_a_fixed_number_of_queries(people, client, django_assert_max_num_queries) -> None:
    build_quarter(Q, projects=5, items=5)
    client.force_login(people.inspector.user)
    with time_machine.travel(after(Q), tick=False), CaptureQueriesContext(connection) as small:
        assert client.get("/results/2026Q1/publish/").status_code == 200
    q2 = Quarter(2026, 2)
    build_quarter(q2, projects=40, items=10, people_per_project=2)
    with time_machine.travel(after(q2), tick=False):
        client.force_login(people.inspector.user)
        with django_assert_max_num_queries(len(small)):
            assert client.get("/results/2026Q2/publish/").status_code == 200


def test_the_results_page_reads_each_version_once_and_the_shown_snapshot_only(people, client) -> None:
    """Every version's header and the shown version's snapshot in one query (not the versions, the version
    with the one it supersedes, the periods and the latest versions again in five), my units from the trends' rows,
    and no project ids for a reader of every cell. Old code: 14 queries for a lead, 12 for operations."""
    from scoring.services import quarter_amend

    from .builders import Q1, build_worked_example

    build_worked_example()
    with time_machine.travel(after(Q1), tick=False):
        quarter_publish(quarter=Q1, user=people.inspector.user)
    with time_machine.travel(after(Q1, days=3), tick=False):
        from scoring.models import GradeBand

        GradeBand.objects.filter(label="B-").update(min_percent=67)
        quarter_amend(quarter=Q1, user=people.inspector.user, reason="等级档更正")
    expected = {
        # session, user, scope, versions, project ids (the lead's), trends, assignments, rectifications, unread
        "lead": 9,
        # operations reads every cell: no project ids; session, user, scope, versions, trends, assignments,
        # rectifications, unread
        "inspector": 8,
    }
    with time_machine.travel(after(Q1, days=9), tick=False):
        for role, count in expected.items():
            client.force_login(people.user(role))
            for url in ("/results/2026Q1/", "/results/2026Q1/?v=1"):
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(url)
                assert response.status_code == 200
                assert len(queries) == count, (role, url, [q["sql"][:120] for q in queries])
                reading_snapshots = [q["sql"] for q in queries if '"snapshot"' in q["sql"]]
                assert len(reading_snapshots) == 1  # the shown version's, in the versions' query
            assert [v.version for v in response.context["versions"]] == [2, 1]
            assert response.context["is_latest"] is False and response.context["page"].result.version == 1
