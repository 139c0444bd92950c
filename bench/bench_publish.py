"""Benchmark: publish a quarter of 60 projects × 5 functions × 40 items (SPEC §7, `publish_quarter`).

Builds its own scratch database (a SQLite file in /tmp by default, or a PostgreSQL database named tp_bench_publish with
--postgres, or the one BENCH_PUBLISH_DB names), fills it with bench.large_org (60 projects, 3,000 people, 5 × 40
touchpoints, the self-checks and the 300 finalised inspections of each quarter built = 12,000 items a quarter), then
times `scoring.services.quarter_publish` — what the command and the Publish button call — and prints wall time and
query counts: the publication itself (one transaction, which writes its notifications to the outbox as one row,
SPEC §7) and the outbox delivery that follows the commit (the worker's job in production; here the embedded eager
default runs it on commit): one notification and one e-mail per person assessed.

    .venv/bin/python bench/bench_publish.py [--postgres] [--people 3000] [--quarters 2] [--repeat 9] [--queries]
                                            [--profile] [--keep]

--quarters 2 builds Q1 and Q2, publishes Q1 (committed) and times Q2, whose heat map window then sums a stored version
as well as its own counts. --repeat N times N more publications before the committed one, each in a transaction
that is rolled back (so each sees the same database), and prints every sample, the median and p95; --queries lists
the queries of one such publication with their wall times; --profile prints a cProfile of one. --keep reuses the
database an earlier run with the same options left (built, earlier quarter published, timed quarter not committed:
use it with --repeat and --no-commit, e.g. to compare two versions of the code on the same data).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import os
import pstats
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQLITE_PATH = Path("/tmp/tp_bench_publish.sqlite3")
POSTGRES_NAME = os.environ.get("BENCH_PUBLISH_DB", "tp_bench_publish")


def prepare_database(use_postgres: bool, *, keep: bool) -> str:
    """Point Django at a fresh scratch database (never the product's own) and migrate it."""
    if use_postgres:
        import psycopg

        if not keep:
            with (
                psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn,
                conn.cursor() as cursor,
            ):
                cursor.execute(f"DROP DATABASE IF EXISTS {POSTGRES_NAME}")
                cursor.execute(f"CREATE DATABASE {POSTGRES_NAME}")
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{POSTGRES_NAME}"
    else:
        if not keep:
            SQLITE_PATH.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_PATH}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return os.environ["DATABASE_URL"]


class QueryTimer:
    """Every query's wall time inside the driver (connection.execute_wrapper), with its SQL."""

    def __init__(self) -> None:
        self.queries: list[tuple[float, str]] = []

    def __call__(self, execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((time.perf_counter() - t0, sql))

    @property
    def seconds(self) -> float:
        return sum(s for s, _sql in self.queries)


class Rollback(Exception):
    pass


@dataclass
class Sample:
    elapsed: float = 0.0
    checks: float = 0.0
    python_cpu: float = 0.0
    backend_cpu: float | None = None


def backend_cpu(connection) -> float | None:
    """CPU seconds the PostgreSQL backend serving `connection` has used (from /proc: the server is local here), or
    None when it cannot be read. With the machine shared, CPU time is what a publication costs; wall time adds the
    wait for a core."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", action="store_true", help="use a scratch PostgreSQL database instead of SQLite")
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--quarters", type=int, choices=(1, 2), default=1, help="2: publish Q1, then time Q2")
    parser.add_argument("--repeat", type=int, default=0, help="rolled-back publications timed before the committed one")
    parser.add_argument("--queries", action="store_true", help="list one publication's queries with their wall times")
    parser.add_argument("--profile", action="store_true", help="cProfile one publication")
    parser.add_argument("--keep", action="store_true", help="reuse the database an earlier run left")
    parser.add_argument("--no-commit", action="store_true", help="skip the committed publication and its delivery")
    options = parser.parse_args()
    url = prepare_database(options.postgres, keep=options.keep)

    import time_machine
    from django.db import connection, transaction
    from django.urls import reverse

    from bench.large_org import build_large_org
    from core.dates import SHANGHAI, Quarter
    from core.publication import quarter_is_published
    from notifications.models import Notification
    from rewards.models import LedgerEntry
    from scoring.models import HeatCount
    from scoring.services import quarter_preview, quarter_publish, results_verify

    if not options.keep:
        started = time.perf_counter()
        org = build_large_org(
            projects=60, people=options.people, per_function=40, year=2026, months=3 * options.quarters, quarters=options.quarters
        )
        print(
            f"built: {org.projects} projects, {org.people} people, {org.inspections} inspections with "
            f"{org.inspection_items} items, {org.selfcheck_items} self-check items in "
            f"{time.perf_counter() - started:.1f} s ({url})"
        )
    quarter = Quarter(2026, options.quarters)
    if options.quarters == 2 and not quarter_is_published(Quarter(2026, 1)):
        with time_machine.travel(dt.datetime(2026, 4, 10, 9, tzinfo=SHANGHAI), tick=True), transaction.atomic():
            quarter_publish(quarter=Quarter(2026, 1), user=None, confirm_missing=False)
        print("published 2026Q1 (committed) first")
    if options.postgres:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # the same planner statistics whichever code runs next

    def rolled_back(timer: QueryTimer | None = None, profiler: cProfile.Profile | None = None) -> Sample:
        """One publication in a transaction that is rolled back: its wall time (the COMMIT excluded), its CPU time in
        Python and in the PostgreSQL backend, and, on PostgreSQL, the time of the deferred constraint checks its COMMIT
        would run (Django's foreign keys are DEFERRABLE INITIALLY DEFERRED), run here with SET CONSTRAINTS ALL
        IMMEDIATE before the rollback."""
        sample = Sample()
        backend = backend_cpu(connection) if options.postgres else None
        try:
            with connection.execute_wrapper(timer or QueryTimer()), transaction.atomic():
                python = time.process_time()
                t0 = time.perf_counter()
                if profiler is not None:
                    profiler.enable()
                quarter_publish(quarter=quarter, user=None, confirm_missing=False)
                if profiler is not None:
                    profiler.disable()
                sample.elapsed = time.perf_counter() - t0
                sample.python_cpu = time.process_time() - python
                after = backend_cpu(connection) if backend is not None else None
                if backend is not None and after is not None:
                    sample.backend_cpu = after - backend
                if connection.vendor == "postgresql":
                    t1 = time.perf_counter()
                    with connection.cursor() as cursor:
                        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    sample.checks = time.perf_counter() - t1
                raise Rollback
        except Rollback:
            pass
        if connection.vendor == "postgresql":
            # The rolled-back rows (~23,000 heat-map rows and their index entries) stay in the table until vacuumed,
            # and the next publication would pay for them; a committed publication leaves none. Outside the timing.
            with connection.cursor() as cursor:
                cursor.execute(f"VACUUM {HeatCount._meta.db_table}")
        return sample

    # A request reaches the view through the URLconf, loaded by then: a fresh process's first reverse() imports every
    # app's URLs and views, which is not the publication's work.
    reverse("scoring:results_quarter", kwargs={"quarter": str(quarter)})
    moment = dt.datetime(2026, 3 * options.quarters + 1, 10, 9, tzinfo=SHANGHAI)
    with time_machine.travel(moment, tick=True):
        preview_timer = QueryTimer()
        with connection.execute_wrapper(preview_timer):
            t0 = time.perf_counter()
            preview = quarter_preview(quarter=quarter)
            preview_time = time.perf_counter() - t0
        print(f"preview: {preview_time * 1000:.0f} ms, {len(preview_timer.queries)} queries, {len(preview.cells)} cells")

        if options.repeat:
            runs, in_db, counts = [], [], set()
            for _ in range(options.repeat):
                timer = QueryTimer()
                runs.append(rolled_back(timer))
                # The two backend_cpu() reads and the SET CONSTRAINTS are the harness's, not the publication's.
                queries = [
                    (seconds, sql)
                    for seconds, sql in timer.queries
                    if not sql.startswith(("SET CONSTRAINTS", "SELECT pg_backend_pid"))
                ]
                in_db.append(sum(seconds for seconds, _sql in queries))
                counts.add(len(queries))
            samples = [run.elapsed for run in runs]
            checks = [run.checks for run in runs]
            ordered = sorted(samples)
            p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
            print(
                f"publish {quarter} ×{options.repeat} (rolled back): median {statistics.median(samples) * 1000:.0f} ms, "
                f"p95 {p95 * 1000:.0f} ms, in the database {statistics.median(in_db) * 1000:.0f} ms, "
                f"queries {sorted(counts)}; samples {' '.join(f'{s * 1000:.0f}' for s in samples)}; deferred checks "
                f"at COMMIT: median {statistics.median(checks) * 1000:.0f} ms"
            )
            backend = [run.backend_cpu for run in runs if run.backend_cpu is not None]
            print(
                f"  CPU: Python median {statistics.median(run.python_cpu for run in runs) * 1000:.0f} ms"
                + (f", PostgreSQL backend median {statistics.median(backend) * 1000:.0f} ms" if backend else "")
            )
        if options.queries:
            timer = QueryTimer()
            total = rolled_back(timer).elapsed
            print(f"queries of one publication ({total * 1000:.0f} ms, {timer.seconds * 1000:.0f} ms in the database):")
            for seconds, sql in timer.queries:
                print(f"  {seconds * 1000:8.1f} ms  {' '.join(sql.split())[:150]}")
        if options.profile:
            profiler = cProfile.Profile()
            rolled_back(profiler=profiler)
            for order in ("cumulative", "tottime"):
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(30)
                print(out.getvalue())

        if not options.no_commit:
            timer = QueryTimer()
            committed: list[float] = []
            with connection.execute_wrapper(timer):
                t0 = time.perf_counter()
                with transaction.atomic():
                    # Registered first, so it runs first after the COMMIT, before the outbox's delivery.
                    transaction.on_commit(lambda: committed.append(time.perf_counter()))
                    result = quarter_publish(quarter=quarter, user=None, confirm_missing=False)
                    publish_time = time.perf_counter() - t0
                    publish_queries = len(timer.queries)
                total_time = time.perf_counter() - t0  # the outer commit ran the notifications
            commit_time = committed[0] - t0 - publish_time
            total_queries = len(timer.queries)
            entries = LedgerEntry.objects.filter(result=result).count()
            sent = Notification.objects.filter(period=f"{quarter}v1").count()

            t0 = time.perf_counter()
            mismatches = results_verify()
            verify_time = time.perf_counter() - t0
            print(
                f"publish {quarter}: {publish_time * 1000:.0f} ms, {publish_queries} queries "
                f"({result.units.count()} units, {entries} ledger entries; digest {result.digest[:12]}…)"
            )
            print(f"its COMMIT (with the foreign keys' deferred checks): {commit_time * 1000:.0f} ms")
            print(
                f"outbox delivery after commit (the worker): {sent} people notified (in-app + e-mail) in "
                f"{(total_time - publish_time - commit_time) * 1000:.0f} ms, "
                f"{total_queries - publish_queries} queries"
            )
            print(f"verify_results: {verify_time * 1000:.0f} ms, {len(mismatches)} mismatches")


if __name__ == "__main__":
    main()
