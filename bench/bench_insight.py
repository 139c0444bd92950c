"""Benchmark of the insight features (SPEC §16), on a scratch PostgreSQL database (dropped and rebuilt):

* the heat map for 60 projects × 200 touchpoints × 8 published quarters (96,000 judged items): median server time
  against the empty view behind the same middleware and sign-in (target ≤ 8×), cold (aggregates computed) and warm
  (aggregates cached by published version), with query counts;
* the bulletin of a quarter of 60 projects (data and PDF; target < 2 s);
* a 500 MB deliverable bundle streamed through the view: peak resident memory while streaming (target: flat).

    .venv/bin/python bench/bench_insight.py [--samples 25] [--bundle-mb 500] [--markdown docs/insight.md]

BENCH_INSIGHT_DATABASE_URL names the database (default postgres://postgres@127.0.0.1:5432/tp_insight_bench).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("BENCH_INSIGHT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tp_insight_bench")


def recreate_database(url: str) -> None:
    import psycopg2

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    conn = psycopg2.connect(f"postgresql://{parsed.username or 'postgres'}@{parsed.hostname}:{parsed.port or 5432}/postgres")
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def rss_kib() -> int:
    """Resident memory of this process now (Linux /proc)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=25)
    parser.add_argument("--projects", type=int, default=60)
    parser.add_argument("--touchpoints", type=int, default=200)
    parser.add_argument("--quarters", type=int, default=8)
    parser.add_argument("--bundle-mb", type=int, default=500)
    parser.add_argument("--markdown", help="also write the figures as Markdown to this file")
    parser.add_argument("--reuse", action="store_true", help="time again on the data an earlier run left behind")
    options = parser.parse_args()

    if not options.reuse:
        recreate_database(DATABASE_URL)
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    sys.path.insert(0, str(ROOT))
    media = tempfile.mkdtemp(prefix="tp-insight-bench-")
    import django
    from django.conf import settings

    django.setup()
    settings.MEDIA_ROOT = media
    import time_machine
    from django.contrib.auth.models import Group, User
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from audits.choices import InspectionSource, InspectionState, ItemStatus, SelfCheckState
    from audits.models import Deliverable, Inspection, InspectionItem, SelfCheck, SelfCheckItem
    from core.dates import Quarter
    from scoring.bulletin import bulletin_for, bulletin_pdf
    from scoring.models import QuarterResult
    from scoring.services import quarter_publish
    from touchpoints.choices import STAFF_GROUP_NAMES, Function, StaffGroup
    from touchpoints.models import Project

    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    call_command("migrate", verbosity=0)
    run_date = dt.date.today().isoformat()
    clock = time_machine.travel(dt.datetime(2026, 12, 20, 10, 0, tzinfo=dt.UTC), tick=True)
    clock.start()

    # -- data: projects × touchpoints × quarters, every quarter published --------------------------------------
    if options.reuse:
        started = time.perf_counter()
        projects = list(Project.objects.order_by("code"))
        window = list(QuarterResult.objects.latest_versions().order_by("year", "quarter"))
        quarters = [Quarter(r.year, r.quarter) for r in window]
        items_total = InspectionItem.objects.count()
    else:
        started = time.perf_counter()
        per_function = options.touchpoints // 5
        projects = Project.objects.bulk_create(
            Project(code=f"B{i:03d}", name=f"东原·基准项目{i:03d}") for i in range(options.projects)
        )
        projects = list(Project.objects.order_by("code"))
        quarters = []
        q = Quarter(2026, 3)
        for _ in range(options.quarters):
            quarters.append(q)
            q = q.previous()
        quarters.reverse()
        stages = ["拿地定位", "规划设计", "开盘销售", "签约按揭", "工程建设", "交付入伙", "物业服务"]
        items_total = 0
        for qi, quarter in enumerate(quarters):
            inspections = Inspection.objects.bulk_create(
                Inspection(
                    project=p,
                    function=f,
                    year=quarter.year,
                    quarter=quarter.number,
                    state=InspectionState.FINALISED,
                    source=InspectionSource.IMPORT,
                    finalised_at=timezone.now(),
                )
                for p in projects
                for f in Function.values
            )
            rows = []
            for inspection in Inspection.objects.filter(year=quarter.year, quarter=quarter.number):
                for i in range(per_function):
                    # A touchpoint fails in some projects more often than in others, varying by quarter.
                    failing = (i * 7 + inspection.project_id * 3 + qi) % (5 + i % 7) == 0
                    rows.append(
                        InspectionItem(
                            inspection=inspection,
                            code=f"{inspection.function[:3].upper()}-{i:03d}",
                            name=f"触点{i}",
                            stage_name=stages[i % len(stages)],
                            level_name="二级",
                            weight=2,
                            verdict=ItemStatus.NOT_DONE if failing else ItemStatus.DONE,
                            claimed_status=ItemStatus.DONE,
                            finding="现场未见记录" if failing else "",
                        )
                    )
            InspectionItem.objects.bulk_create(rows, batch_size=5000)
            items_total += len(rows)
            del inspections
            quarter_publish(quarter=quarter, user=None, confirm_missing=True)
    say("# Insight figures (SPEC §16)")
    say()
    say(
        f"Data: {options.projects} projects × {options.touchpoints} touchpoints × {options.quarters} published quarters = "
        f"{items_total:,} judged items (built and published in {time.perf_counter() - started:.1f} s), PostgreSQL "
        f"{connection.cursor().connection.server_version}, {os.cpu_count()} cores, run {run_date}."
    )
    say()

    from touchpoints.services import ensure_groups

    ensure_groups()
    User.objects.filter(username="bench_ops").delete()
    Deliverable.objects.all().delete()
    SelfCheck.objects.all().delete()
    ops = User.objects.create_user("bench_ops", password="bench-password-2026")
    ops.groups.add(Group.objects.get(name=STAFF_GROUP_NAMES[StaffGroup.OPERATIONS]))
    from core.access import scope_for
    from scoring import insight
    from touchpoints.choices import Role
    from touchpoints.models import Assignment, Person

    Assignment.objects.filter(person__employee_id="BENCH-D").delete()
    Person.objects.filter(employee_id="BENCH-D").delete()
    User.objects.filter(username="bench_director").delete()
    director = User.objects.create_user("bench_director", password="bench-password-2026")
    person = Person.objects.create(employee_id="BENCH-D", name="基准总监", user=director)
    Assignment.objects.create(person=person, role=Role.PROJECT_DIRECTOR, project=projects[0], start=dt.date(2020, 1, 1))
    clients = {}
    for name, user in (("ops", ops), ("director", director)):
        clients[name] = Client()
        clients[name].force_login(user)
    empty_url = reverse("bench_empty")
    heat_url = reverse("scoring:insight_heatmap")

    def forget_map(user) -> None:
        """Drop the reader's rendered map only (the per-quarter figures stay cached, as publication leaves them)."""
        cache.delete(insight._heat_key(window=insight.published_window(), scope=scope_for(user), function="", stage=""))

    def timed(who: str, url: str, *, cold: str) -> tuple[float, float, int]:
        client = clients[who]
        user = ops if who == "ops" else director

        def prepare() -> None:
            if cold == "map":
                forget_map(user)
            elif cold == "flush":
                cache.clear()
            elif cold == "published":  # what a publication leaves: every insight entry rebuilt by the warm-up task
                window = insight.published_window()
                for q in window:
                    cache.delete(insight._verdicts_key(q))
                for function in ("", *Function.values):
                    cache.delete(insight._heat_key(window=window, scope=scope_for(ops), function=function, stage=""))
                cache.delete(insight._heat_key(window=window, scope=scope_for(director), function="", stage=""))
                insight.warm_heat_cache()

        pages, empties = [], []
        for _ in range(2):
            assert client.get(url).status_code == 200
            client.get(empty_url)
        for _ in range(options.samples):
            t0 = time.perf_counter()
            client.get(empty_url)
            empties.append(time.perf_counter() - t0)
            prepare()
            t0 = time.perf_counter()
            response = client.get(url)
            pages.append(time.perf_counter() - t0)
            assert response.status_code == 200
        prepare()
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        return statistics.median(pages), statistics.median(empties), len(queries)

    say("## Heat map (median server time, signed in, timed in alternation with the empty view)")
    say()
    say("| reader and moment | median | empty view | ratio | target ≤ 8× | queries |")
    say("|---|---|---|---|---|---|")
    for label, who, url, cold in (
        ("operations, first view after a publication (the worker warmed the cache)", "ops", heat_url, "published"),
        (
            "operations, filtered by function, first view after a publication",
            "ops",
            heat_url + "?function=marketing",
            "published",
        ),
        ("operations, filtered by stage (built on first view, then cached)", "ops", heat_url + "?stage=开盘销售", "none"),
        ("a project director, first view after a publication", "director", heat_url, "published"),
        (
            "a reader whose map was not prewarmed (e.g. a director who also leads a cell elsewhere), first view",
            "director",
            heat_url,
            "map",
        ),
        ("the same reader, later views", "director", heat_url, "none"),
        ("operations, first view with the map not cached (built from the per-quarter figures)", "ops", heat_url, "map"),
        ("operations after a cache flush (every quarter read again)", "ops", heat_url, "flush"),
    ):
        median, empty, count = timed(who, url, cold=cold)
        ratio = median / empty
        say(
            f"| {label} | {median * 1000:.1f} ms | {empty * 1000:.1f} ms | {ratio:.1f}× | {'met' if ratio <= 8 else 'MISSED'} | {count} |"
        )
    say()
    client = clients["ops"]

    # -- the bulletin -------------------------------------------------------------------------------------------
    say("## Bulletin")
    say()
    last = quarters[-1]
    timings = []
    for _ in range(5):
        t0 = time.perf_counter()
        pdf = bulletin_pdf(bulletin_for(quarter=last))
        timings.append(time.perf_counter() - t0)
    best = statistics.median(timings)
    say(
        f"Bulletin of {last} ({options.projects} projects + 5 functions, data and PDF): median {best * 1000:.0f} ms of 5, "
        f"{len(pdf) / 1024:.0f} KiB — target < 2 s: {'met' if best < 2 else 'MISSED'}."
    )
    say()

    # -- a 500 MB bundle ------------------------------------------------------------------------------------------
    say("## Deliverable bundle")
    say()
    file_mb = 10
    count = max(1, options.bundle_mb // file_mb)
    path = Path(media) / "deliverables" / "bench.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    block = b"%PDF-1.4\n" + os.urandom(1024 * 1024 - 9)
    with open(path, "wb") as handle:
        for _ in range(file_mb):
            handle.write(block)
    project = projects[0]
    selfcheck = SelfCheck.objects.create(
        project=project, function="marketing", year=2026, month=11, state=SelfCheckState.SUBMITTED
    )
    items = SelfCheckItem.objects.bulk_create(
        SelfCheckItem(selfcheck=selfcheck, code=f"MAR-{i:03d}", name=f"触点{i}", level_name="二级", weight=2, status="done")
        for i in range(count)
    )
    Deliverable.objects.bulk_create(
        Deliverable(
            item=item,
            file="deliverables/bench.pdf",
            original_name=f"交付件{n}.pdf",
            size=file_mb * 1024 * 1024,
            content_type="application/pdf",
            sha256="0" * 64,
        )
        for n, item in enumerate(items)
    )
    url = reverse("audits:bundle_cell", args=["2026Q4", project.code, "marketing"])
    before = rss_kib()
    peak = before
    total = 0
    t0 = time.perf_counter()
    response = client.get(url)
    for chunk in response.streaming_content:
        total += len(chunk)
        peak = max(peak, rss_kib())
    elapsed = time.perf_counter() - t0
    grew = (peak - before) / 1024
    say(
        f"{count} files × {file_mb} MiB = {total / 1024 / 1024:.0f} MiB zip streamed in {elapsed:.1f} s; resident memory "
        f"{before / 1024:.0f} MiB before, peak {peak / 1024:.0f} MiB while streaming (+{grew:.1f} MiB) — "
        f"{'flat' if grew < 64 else 'NOT FLAT'}."
    )
    clock.stop()
    if options.markdown:
        Path(options.markdown).write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
