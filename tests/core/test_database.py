"""PostgreSQL is reached with server-side binding, and a statement run often enough on a kept connection is prepared on
it, so that its later runs skip planning (config/settings/base.py, docs/performance-notes.md)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection

from config.settings.base import database_from_environment


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://postgres@127.0.0.1:5432/touchpoint", {"server_side_binding": True, "prepare_threshold": 5}),
        ("sqlite:////tmp/touchpoint.sqlite3", {}),
    ],
)
def test_only_postgresql_gets_server_side_binding_and_prepared_statements(monkeypatch, url, expected) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("DB_PREPARE_THRESHOLD", raising=False)
    assert database_from_environment(default_conn_max_age=0).get("OPTIONS", {}) == expected


@pytest.mark.parametrize(("value", "threshold"), [("none", None), ("0", 0), ("12", 12)])
def test_the_prepare_threshold_comes_from_the_environment(monkeypatch, value, threshold) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/touchpoint")
    monkeypatch.setenv("DB_PREPARE_THRESHOLD", value)
    assert database_from_environment(default_conn_max_age=0)["OPTIONS"]["prepare_threshold"] == threshold


def test_connections_are_kept_in_production_unless_the_environment_says_otherwise(monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/touchpoint")
    monkeypatch.delenv("DB_CONN_MAX_AGE", raising=False)
    assert database_from_environment(default_conn_max_age=60)["CONN_MAX_AGE"] == 60
    monkeypatch.setenv("DB_CONN_MAX_AGE", "0")
    assert database_from_environment(default_conn_max_age=60)["CONN_MAX_AGE"] == 0


def prepared_statements() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        return cursor.fetchone()[0]


def run_requests(times: int) -> None:
    """The same ORM query, each time followed by what the end of a request does to the connection."""
    for _ in range(times):
        assert list(User.objects.filter(username="ada").values_list("username", flat=True)) == ["ada"]
        connection.close_if_unusable_or_obsolete()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)  # no test transaction around it: the connection lives as between requests
def test_a_repeated_query_is_prepared_on_a_kept_connection_and_lost_with_it(postgres, monkeypatch) -> None:
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["server_side_binding"] is True
    threshold = options["prepare_threshold"]
    assert threshold == 5
    User.objects.create_user("ada")
    connection.close()
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    try:
        connection.ensure_connection()
        kept = connection.connection
        assert prepared_statements() == 0
        run_requests(threshold + 2)
        assert connection.connection is kept
        assert prepared_statements() > 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            assert any('FROM "auth_user"' in statement for (statement,) in cursor.fetchall())

        connection.close()
        connection.settings_dict["CONN_MAX_AGE"] = 0  # a new connection per request: nothing prepared survives
        run_requests(threshold + 2)
        assert connection.connection is None
        assert prepared_statements() == 0
    finally:
        connection.close()  # the next test connects with the suite's own settings
