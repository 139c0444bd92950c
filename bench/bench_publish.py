"""Benchmark: publish a quarter of 60 projects × 5 functions × 40 items (SPEC §7, `publish_quarter`).

Builds its own scratch database (a SQLite file in /tmp by default, or a PostgreSQL database named tp_bench_publish with
--postgres), fills it with bench.large_org (60 projects, 3,000 people, 5 × 40 touchpoints, Q1's self-checks and its 300
finalised inspections = 12,000 items), then times `scoring.services.quarter_publish` — what the command and the Publish
button call — and prints wall time and query counts: the publication itself (one transaction, which writes its
notifications to the outbox as one row, SPEC §7) and the outbox delivery that follows the commit (the worker's job in
production; here the embedded eager default runs it on commit): one notification and one e-mail per person assessed.

    .venv/bin/python bench/bench_publish.py [--postgres] [--people 3000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQLITE_PATH = Path("/tmp/tp_bench_publish.sqlite3")
POSTGRES_NAME = "tp_bench_publish"


def prepare_database(use_postgres: bool) -> str:
    """Point Django at a fresh scratch database (never the product's own) and migrate it."""
    if use_postgres:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn, conn.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {POSTGRES_NAME}")
            cursor.execute(f"CREATE DATABASE {POSTGRES_NAME}")
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{POSTGRES_NAME}"
    else:
        SQLITE_PATH.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_PATH}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return os.environ["DATABASE_URL"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", action="store_true", help="use a scratch PostgreSQL database instead of SQLite")
    parser.add_argument("--people", type=int, default=3000)
    options = parser.parse_args()
    url = prepare_database(options.postgres)

    import time_machine
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from bench.large_org import build_large_org
    from core.dates import SHANGHAI, Quarter
    from notifications.models import Notification
    from rewards.models import LedgerEntry
    from scoring.services import quarter_preview, quarter_publish, results_verify

    started = time.perf_counter()
    org = build_large_org(projects=60, people=options.people, per_function=40, year=2026, months=3, quarters=1)
    print(
        f"built: {org.projects} projects, {org.people} people, {org.inspections} inspections with "
        f"{org.inspection_items} items, {org.selfcheck_items} self-check items in {time.perf_counter() - started:.1f} s ({url})"
    )
    quarter = Quarter(2026, 1)
    with time_machine.travel(dt.datetime(2026, 4, 10, 9, tzinfo=SHANGHAI), tick=True):
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            preview = quarter_preview(quarter=quarter)
            preview_time = time.perf_counter() - t0
        preview_queries = len(queries)

        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            with transaction.atomic():
                result = quarter_publish(quarter=quarter, user=None, confirm_missing=False)
                publish_time = time.perf_counter() - t0
                publish_queries = len(queries)
            total_time = time.perf_counter() - t0  # the outer commit ran the notifications
        total_queries = len(queries)
        entries = LedgerEntry.objects.filter(result=result).count()
        sent = Notification.objects.filter(period=f"{quarter}v1").count()

        t0 = time.perf_counter()
        mismatches = results_verify()
        verify_time = time.perf_counter() - t0

    print(f"preview: {preview_time * 1000:.0f} ms, {preview_queries} queries, {len(preview.cells)} cells")
    print(
        f"publish {quarter}: {publish_time * 1000:.0f} ms, {publish_queries} queries "
        f"({result.units.count()} units, {entries} ledger entries; digest {result.digest[:12]}…)"
    )
    print(
        f"outbox delivery after commit (the worker): {sent} people notified (in-app + e-mail) in "
        f"{(total_time - publish_time) * 1000:.0f} ms, "
        f"{total_queries - publish_queries} queries"
    )
    print(f"verify_results: {verify_time * 1000:.0f} ms, {len(mismatches)} mismatches")


if __name__ == "__main__":
    main()
