"""Benchmark of the insight features (SPEC §16), on a scratch PostgreSQL database (dropped and rebuilt):

* the heat map for 60 projects × 200 touchpoints × 8 published quarters (96,000 judged items), read from the counts
  each publication stored (`scoring.HeatCount`) with no cache: median and p95 server time of each kind of reader's
  first page, cold, sampled in alternation with the empty view behind the same middleware and sign-in (target ≤ 8× the
  empty view's median), with query counts;
* the bulletin of a quarter of 60 projects (data and PDF; target < 2 s);
* a 500 MB deliverable bundle streamed through the view: peak resident memory while streaming (target: flat).

    .venv/bin/python bench/bench_insight.py [--samples 41] [--bundle-mb 500] [--markdown FILE] [--reuse] [--only TEXT]

`--only TEXT` (repeatable) times only the pages whose label contains TEXT, in the same tables, and skips the bulletin,
publication and bundle figures.

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
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    server = f"postgresql://{parsed.username or 'postgres'}@{parsed.hostname}:{parsed.port or 5432}/postgres"
    with psycopg.connect(server, autocommit=True) as conn, conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')


def rss_kib() -> int:
    """Resident memory of this process now (Linux /proc)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=41)
    parser.add_argument("--projects", type=int, default=60)
    parser.add_argument("--touchpoints", type=int, default=200)
    parser.add_argument("--quarters", type=int, default=8)
    parser.add_argument("--bundle-mb", type=int, default=500)
    parser.add_argument("--markdown", help="also write the figures as Markdown to this file")
    parser.add_argument("--reuse", action="store_true", help="time again on the data an earlier run left behind")
    parser.add_argument("--only", action="append", default=[], help="time only the pages whose label contains this")
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
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from audits.choices import InspectionSource, InspectionState, ItemStatus, SelfCheckState
    from audits.item_summary import inspections_store_tally
    from audits.models import Deliverable, Inspection, InspectionItem, SelfCheck, SelfCheckItem
    from core.dates import Quarter
    from scoring.bulletin import bulletin_for, bulletin_pdf
    from scoring.models import HeatCount, QuarterResult
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
            inspections_store_tally(Inspection.objects.filter(year=quarter.year, quarter=quarter.number))
            items_total += len(rows)
            del inspections
            quarter_publish(quarter=quarter, user=None, confirm_missing=True)
    # What autovacuum does to a table written once a quarter: statistics for the planner, and a visibility map so the
    # stored counts are read from their indexes alone.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    say("# Insight figures (SPEC §16)")
    say()
    say(
        f"Data: {options.projects} projects × {options.touchpoints} touchpoints × {options.quarters} published quarters = "
        f"{items_total:,} judged items (built and published in {time.perf_counter() - started:.1f} s), PostgreSQL "
        f"{connection.pg_version}, {os.cpu_count()} cores, run {run_date}."
    )
    say()

    from touchpoints.services import ensure_groups

    ensure_groups()
    Deliverable.objects.all().delete()
    SelfCheck.objects.all().delete()
    from touchpoints.choices import Role
    from touchpoints.models import Assignment, Person

    def reader(username: str, *assignments: dict):
        """A signed-in user with the given assignments (in force since 2020), made afresh."""
        Assignment.objects.filter(person__employee_id=username).delete()
        Person.objects.filter(employee_id=username).delete()
        User.objects.filter(username=username).delete()
        user = User.objects.create_user(username, password="bench-password-2026")
        if assignments:
            person = Person.objects.create(employee_id=username, name=username, user=user)
            for fields in assignments:
                Assignment.objects.create(person=person, start=dt.date(2020, 1, 1), **fields)
        return user

    ops = reader("bench_ops")
    ops.groups.add(Group.objects.get(name=STAFF_GROUP_NAMES[StaffGroup.OPERATIONS]))
    users = {
        "ops": ops,
        "director": reader("bench_director", {"role": Role.PROJECT_DIRECTOR, "project": projects[0]}),
        "head": reader("bench_head", {"role": Role.FUNCTION_HEAD, "function": Function.MARKETING}),
        "lead": reader("bench_lead", {"role": Role.FUNCTIONAL_MANAGER, "project": projects[1], "function": Function.MARKETING}),
        "unusual": reader(
            "bench_unusual",
            {"role": Role.PROJECT_DIRECTOR, "project": projects[2]},
            {"role": Role.FUNCTIONAL_MANAGER, "project": projects[3], "function": Function.DESIGN},
        ),
        "nobody": reader("bench_nobody"),  # signed in, no cell to read: the page around the map
    }
    clients = {}
    for name, user in users.items():
        clients[name] = Client()
        clients[name].force_login(user)
    empty_url = reverse("bench_empty")
    heat_url = reverse("scoring:insight_heatmap")
    from scoring.insight import heat_window

    window, stored = heat_window()
    assert stored is not None, "the publications stored the window's sums"
    say(
        f"Stored counts: {HeatCount.objects.filter(result__isnull=False).count():,} rows (per published version, one per "
        f"touchpoint per cell and one per touchpoint for every project) and {HeatCount.objects.filter(window=stored).count():,} "
        f"rows of the current window's sums (the same, summed over its {len(window)} versions; "
        f"{HeatCount.objects.filter(window__isnull=False).count():,} window rows in all), written by the publications above."
    )
    say()

    def timed(
        who: str, url: str, *, empty_map: bool = False, expect: bytes = b'data-testid="heat-project"'
    ) -> tuple[float, float, float, float, int, int]:
        """Page and empty view, one after the other, `samples` times (after two warm-up pairs): medians, p95s, the
        page's query count and size. Nothing is cached between requests: every page is computed afresh."""
        client = clients[who]
        pages, empties = [], []
        for _ in range(2):
            assert client.get(url).status_code == 200
            client.get(empty_url)
        for _ in range(options.samples):
            t0 = time.perf_counter()
            client.get(empty_url)
            empties.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            response = client.get(url)
            pages.append(time.perf_counter() - t0)
            assert response.status_code == 200
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert (expect in response.content) != empty_map, url  # what the page is for, or the heat map's notice

        def p95(values: list[float]) -> float:
            return statistics.quantiles(values, n=20, method="inclusive")[18]

        return (
            statistics.median(pages),
            p95(pages),
            statistics.median(empties),
            p95(empties),
            len(queries),
            len(response.content),
        )

    def chosen(pages: tuple) -> tuple:
        return tuple(page for page in pages if not options.only or any(text in page[0] for text in options.only))

    heat_pages = chosen(
        (
            ("for reference: the page with nothing to show (a reader without cells)", "nobody", heat_url),
            ("operations, all functions and stages", "ops", heat_url),
            ("operations, filtered by function (marketing)", "ops", heat_url + "?function=marketing"),
            ("operations, filtered by stage (开盘销售)", "ops", heat_url + "?stage=开盘销售"),
            ("operations, page 3", "ops", heat_url + "?page=3"),
            ("a project director (their project)", "director", heat_url),
            ("a function head (their function, every project)", "head", heat_url),
            ("a functional manager (their one cell)", "lead", heat_url),
            ("a director who also leads a cell of another project", "unusual", heat_url),
        )
    )
    if heat_pages:
        say(f"## Heat map (server time, signed in, {options.samples} samples each in alternation with the empty view; no cache)")
        say()
        say("| reader (first page, cold) | median | p95 | empty view median (p95) | ratio | target ≤ 8× | queries | page size |")
        say("|---|---|---|---|---|---|---|---|")
        for label, who, url in heat_pages:
            median, p95_page, empty, p95_empty, count, size = timed(who, url, empty_map=who == "nobody")
            ratio = median / empty
            say(
                f"| {label} | {median * 1000:.1f} ms | {p95_page * 1000:.1f} ms | {empty * 1000:.1f} ms "
                f"({p95_empty * 1000:.1f} ms) | {ratio:.1f}× | {'met' if ratio <= 8 else 'MISSED'} | {count} | "
                f"{size / 1024:.0f} KiB |"
            )
        say()

    # -- the other insight pages ---------------------------------------------------------------------------------
    # Their budget is the busy pages' (≤ 4× the empty view, the performance issue), on the same eight quarters.
    last = quarters[-1]
    first_project, lead_project = projects[0], projects[1]
    failing = InspectionItem.objects.filter(
        inspection__year=last.year, inspection__quarter=last.number, verdict=ItemStatus.NOT_DONE
    ).select_related("inspection__project")[0]
    findings_url = reverse("scoring:insight_findings")
    other_pages = (
        ("trends, operations (65 units × 8 quarters)", "ops", reverse("scoring:insight_trends"), b'id="in-trends"'),
        ("trends, a functional manager (their units first)", "lead", reverse("scoring:insight_trends"), b'id="in-trends"'),
        (
            "findings of a heat-map cell (a touchpoint × project, 8 quarters)",
            "ops",
            f"{findings_url}?code={failing.code}&project={failing.inspection.project.code}",
            b'data-testid="finding"',
        ),
        (
            "findings of a heat-map cell (a touchpoint × quarter, 60 projects)",
            "ops",
            f"{findings_url}?code={failing.code}&quarter={last}",
            b'data-testid="finding"',
        ),
        (
            "a project's score explained (its 5 cells), its director",
            "director",
            reverse("scoring:unit_detail", args=[str(last), "project", first_project.code]),
            b'data-testid="cell-link"',
        ),
        (
            "a function's score explained (60 cells), operations",
            "ops",
            reverse("scoring:unit_detail", args=[str(last), "function", Function.MARKETING]),
            b'data-testid="cell-link"',
        ),
        (
            "a cell item by item (40 verdicts), its functional manager",
            "lead",
            reverse("scoring:cell_detail", args=[str(last), lead_project.code, Function.MARKETING]),
            b'data-testid="verdict"',
        ),
        ("the bulletin as a page (65 units)", "ops", reverse("scoring:bulletin", args=[str(last)]), b"<table"),
    )
    # The group robots (SPEC §15): one for the company, each project and each function, and a year of their posts.
    from notifications.kinds import kind_choices
    from notifications.models import ChatMessage, Webhook

    Webhook.objects.all().delete()
    robots = [Webhook(name="公司群", provider="wecom", scope="company", token="k-company")]
    robots += [Webhook(name=f"{p.name}群", provider="wecom", scope="project", project=p, token=f"k-{p.code}") for p in projects]
    robots += [
        Webhook(name=f"{f}群", provider="dingtalk", scope="function", function=f, token=f"t-{f}", secret="s")
        for f in Function.values
    ]
    robots = Webhook.objects.bulk_create(robots)
    kinds = [code for code, _label in kind_choices()]
    ChatMessage.objects.bulk_create(
        ChatMessage(
            webhook=robot,
            kind=kinds[n % len(kinds)],
            period=f"2026-{month:02d}",
            state=("sent", "sent", "sent", "failed", "pending")[(robot.pk + month) % 5],
            attempts=(robot.pk + month) % 4,
            last_error="HTTP 502" if (robot.pk + month) % 5 == 3 else "",
        )
        for robot in robots
        for month in range(1, 13)
        for n in range(3)
    )
    other_pages += (
        (
            f"the group robots ({len(robots)}) and their latest posts (of {len(robots) * 36:,})",
            "ops",
            reverse("notifications:webhooks"),
            b"data-webhook=",
        ),
        (
            "registering a group robot (the form, 60 projects to choose from)",
            "ops",
            reverse("notifications:webhook_new"),
            b'name="project"',
        ),
    )
    say(f"## The other insight pages ({options.samples} samples each in alternation with the empty view; no cache)")
    say()
    say("| page (cold) | median | p95 | empty view median (p95) | ratio | target ≤ 4× | queries | page size |")
    say("|---|---|---|---|---|---|---|---|")
    for label, who, url, expect in chosen(other_pages):
        median, p95_page, empty, p95_empty, count, size = timed(who, url, expect=expect)
        ratio = median / empty
        say(
            f"| {label} | {median * 1000:.1f} ms | {p95_page * 1000:.1f} ms | {empty * 1000:.1f} ms "
            f"({p95_empty * 1000:.1f} ms) | {ratio:.1f}× | {'met' if ratio <= 4 else 'MISSED'} | {count} | "
            f"{size / 1024:.0f} KiB |"
        )
    say()
    client = clients["ops"]
    if options.only:
        clock.stop()
        if options.markdown:
            Path(options.markdown).write_text("\n".join(lines) + "\n", encoding="utf-8")
        return

    # -- the bulletin -------------------------------------------------------------------------------------------
    say("## Bulletin")
    say()
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

    # -- publishing into a full window --------------------------------------------------------------------------
    # The first publications of the data above entered a window that was filling up; a company that has run for two
    # years amends or publishes into a full one: the statement sums the window's eight versions. An amendment of the
    # latest quarter, in the request's transaction, rolled back each time so the data stays as it is.
    say("## Publishing into a full window")
    say()
    from django.db import transaction

    from scoring.services import quarter_amend

    publish_times, publish_queries = [], 0
    corrected = InspectionItem.objects.filter(
        inspection__year=last.year, inspection__quarter=last.number, verdict=ItemStatus.NOT_DONE
    ).values_list("pk", flat=True)[0]
    for _ in range(5):
        try:
            with transaction.atomic():
                # What an amendment corrects: one verdict found wrong after publication.
                InspectionItem.objects.filter(pk=corrected).update(verdict=ItemStatus.DONE)
                with CaptureQueriesContext(connection) as captured:
                    t0 = time.perf_counter()
                    quarter_amend(quarter=last, user=None, reason="基准:修订最新季度")
                    publish_times.append(time.perf_counter() - t0)
                publish_queries = len(captured)
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
    publish_median = statistics.median(publish_times)
    say(
        f"Amending {last} ({options.projects} projects × {options.touchpoints} touchpoints, the window of "
        f"{options.quarters} versions summed again): median {publish_median * 1000:.0f} ms of 5 "
        f"(p95 {sorted(publish_times)[-1] * 1000:.0f} ms), {publish_queries} queries — target ≤ 1 s and ≤ 20 queries: "
        f"{'met' if publish_median <= 1 and publish_queries <= 20 else 'MISSED'}."
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
