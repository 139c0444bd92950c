"""`make bench`: one run on PostgreSQL over a large city company (bench/large_org.py), printing

* for the checklist page, the inspection page, the quarter board and the results page: median server time as a ratio
  to an empty view behind the same middleware and sign-in, and queries per page;
* the time to publish a quarter (and its query count);
* export time and peak memory for the appraisal caps and the reward ledger.

The database named by BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/tp_bench) is dropped and rebuilt.
Usage: .venv/bin/python bench/run.py [--samples 25] [--markdown docs/performance.md]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tp_bench")


READING = """## Reading the figures

- **Median and ratio** are what users get: a page is served whole from the cache while nothing it shows has changed
  (`touchpoints.pagecache`). Every committed write to a table a page shows moves a generation number, read at the start
  of each request before any data; the key also holds the user, language, date, path and release, so the same key
  always means the same answer, access decision included. A cached page costs the two sign-in queries of the empty view
  plus three cache reads (two generations, the page).
- **After a change** is the first view once anything has changed: the page rendered again from the database, with
  only the checklist cards and board cells whose content did not change taken from memory (`{% memo %}`, keyed by a
  hash of everything the fragment shows). That is what a checklist costs during the deadline surge, when somebody
  ticks every second (docs/load-test.md). Its query count is fixed: the same with 10 or 100 checklist items, 2 or 60
  projects (asserted in the tests).
- The page cache needs a cache that every web process and the worker share: production sets `CACHE_URL` (Redis); without
  it production settings switch the page cache off. This benchmark runs in one process with the memory cache.
- Publishing a quarter of 60 projects × 5 functions × 40 items includes notifying all 3,000 people in one batch
  (`notifications.services.notify_many`).
- Exports stream with openpyxl's write-only mode; peak Python memory stays in single-digit MiB."""


class QueryCounter:
    """Counts every query (Django's own query log stops at 9,000)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def recreate_database(url: str) -> None:
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    args = ["-h", parsed.hostname or "127.0.0.1", "-p", str(parsed.port or 5432), "-U", parsed.username or "postgres"]
    subprocess.run(["dropdb", *args, "--if-exists", name], check=True)
    subprocess.run(["createdb", *args, name], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=41, help="requests timed per page (after 3 warm-ups)")
    parser.add_argument("--markdown", help="also write the figures as Markdown to this file")
    options = parser.parse_args()

    recreate_database(DATABASE_URL)
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    import time_machine
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from audits.models import SelfCheck
    from bench.large_org import build_large_org
    from core.dates import Quarter
    from rewards.exports import RewardsExport
    from scoring.exports import CapsExport
    from scoring.services import quarter_publish
    from touchpoints import pagecache
    from touchpoints.choices import STAFF_GROUP_NAMES, StaffGroup

    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    call_command("migrate", verbosity=0)
    # The benchmark's "now": 2026-12-20, so Q1–Q3 have ended and December's checklists are being ticked.
    clock = time_machine.travel(dt.datetime(2026, 12, 20, 10, 0, tzinfo=dt.UTC), tick=True)
    clock.start()
    started = time.perf_counter()
    org = build_large_org()
    say("# Performance figures")
    say()
    say(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"PostgreSQL {connection.cursor().connection.server_version}, run {dt.date.today().isoformat()}."
    )
    say()
    say(
        f"Data: {org.projects} projects, {org.people} people, {org.touchpoints} touchpoints (5 functions × 40), "
        f"{org.selfchecks} monthly self-checks with {org.selfcheck_items} items, {org.inspections} inspections with "
        f"{org.inspection_items} items (built in {time.perf_counter() - started:.1f} s)."
    )
    say()

    ops = User.objects.create_user("bench_ops", password="bench-password-2026")
    ops.groups.add(Group.objects.get(name=STAFF_GROUP_NAMES[StaffGroup.OPERATIONS]))

    say("## Publishing a quarter")
    say()
    say("| quarter | cells | time | queries |")
    say("|---|---|---|---|")
    for number in (1, 2, 3):
        quarter = Quarter(2026, number)
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            t0 = time.perf_counter()
            quarter_publish(quarter=quarter, user=ops, confirm_missing=True)
            elapsed = time.perf_counter() - t0
        say(f"| {quarter} | {org.projects * 5} × 40 items | {elapsed:.2f} s | {counter.count} |")
    say()

    lead = User.objects.get(username=org.lead_usernames[0])
    december = SelfCheck.objects.get(project__code="B000", function="marketing", year=2026, month=12)
    pages = [
        ("checklist page (40 items)", lead, reverse("audits:selfcheck_detail", args=[december.pk])),
        ("inspection page (40 items)", ops, reverse("audits:inspection", args=["2026Q3", "B000", "marketing"])),
        ("quarter board (60 × 5 cells)", ops, reverse("audits:board", args=["2026Q3"])),
        ("results page (65 units)", lead, reverse("scoring:results_quarter", args=["2026Q3"])),
    ]
    empty_url = reverse("bench_empty")

    def timed(client: Client, url: str, *, after_change: bool = False) -> tuple[float, float, int]:
        """Medians of the page and of the empty view, measured in alternation so that both see the same machine, and
        the page's queries. after_change: every request follows a committed change, so nothing cached can be used
        (touchpoints.pagecache) and the page is rendered from the database."""
        pages, empties = [], []
        for _ in range(3):
            assert client.get(url).status_code == 200, url
            assert client.get(empty_url).status_code == 200
        for _ in range(options.samples):
            t0 = time.perf_counter()
            client.get(empty_url)
            empties.append(time.perf_counter() - t0)
            if after_change:
                pagecache.bump_data()
            reset_queries()
            t0 = time.perf_counter()
            response = client.get(url)
            pages.append(time.perf_counter() - t0)
            assert response.status_code == 200, url
        if after_change:
            pagecache.bump_data()
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        return statistics.median(pages), statistics.median(empties), len(queries)

    say(
        f"## Pages (median of {options.samples} requests through the full middleware stack, signed in, each page "
        "timed in alternation with the empty view)"
    )
    say()
    say(
        "Served as users see them: the page body cached until the data behind it changes (touchpoints.pagecache). "
        "The last columns move the data generation before every request, as any committed change does (see below)."
    )
    say()
    say("| page | median | empty view | ratio | target ≤ 3× | queries | after a change | its queries |")
    say("|---|---|---|---|---|---|---|---|")
    ratios = []
    for label, user, url in pages:
        client = Client()
        client.force_login(user)
        median, empty, queries = timed(client, url)
        fresh, _, fresh_queries = timed(client, url, after_change=True)
        ratio = median / empty
        ratios.append(ratio)
        say(
            f"| {label} | {median * 1000:.1f} ms | {empty * 1000:.1f} ms | {ratio:.1f}× | {'met' if ratio <= 3 else 'MISSED'} "
            f"| {queries} | {fresh * 1000:.1f} ms | {fresh_queries} |"
        )
    say()

    say("## Exports")
    say()
    say("| export | rows | time | peak Python memory |")
    say("|---|---|---|---|")
    for label, export in (("appraisal caps 2026", CapsExport(2026)), ("reward ledger 2026", RewardsExport(2026))):
        tracemalloc.start()
        t0 = time.perf_counter()
        buffer = io.BytesIO()
        export.write(buffer)
        elapsed = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(buffer.getvalue()), read_only=True)
        rows = sum(1 for ws in workbook.worksheets for _ in ws.iter_rows(min_row=2))
        say(f"| {label} | {rows} | {elapsed:.2f} s | {peak / 1024 / 1024:.1f} MiB |")
    say()
    say("Reproduce: `make bench` (PostgreSQL at 127.0.0.1:5432; the database `tp_bench` is dropped and rebuilt).")
    say()
    say(READING)
    clock.stop()
    if options.markdown:
        Path(options.markdown).write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
