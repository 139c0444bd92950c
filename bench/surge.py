"""`make loadtest`: the deadline surge against gunicorn and PostgreSQL, on 127.0.0.1 only.

1. The database named by SURGE_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/tp_surge) is dropped, migrated
   and filled with the large city company of bench/large_org.py, whose open checklists are this month's (the server
   runs on the real clock); static files are collected into a temporary directory.
2. gunicorn serves config.wsgi with the production settings (DEBUG off, django-axes, PBKDF2, manifest static files),
   plain HTTP on a free loopback port, deliverables stored in the temporary directory.
3. locust (bench/locustfile.py) runs headless with 300 leads (60 projects × 5 functions), each ticking and uploading on
   their own checklist with a lead's think time; once all have signed in, the think time steps down through stages
   (--stages, --stage-seconds: 6 × 20 s = 120 s by default: a calm first stage while the sign-in queue drains, then
   three steps between 100 and 180 offered requests a second, where the knee is, instead of one jump from 3 s to 1.5 s) and the swarm stops by itself.
4. Afterwards every tick locust saw acknowledged (HTTP 200) is looked up in the database's history; so is every upload.

Prints requests per second and p50/p95/p99 per kind of request and per stage, the highest request rate at which p95
stayed within 300 ms, server errors, and acknowledged against stored ticks.
Exits non-zero when a tick or upload is lost, a server error (5xx, or no answer) occurred, or a request got an
unexpected answer. Usage: .venv/bin/python bench/surge.py [--users 300] [--spawn-rate 20] [--stages 12,6,3,2.4,2,1.7]
[--stage-seconds 20] [--workers 3] [--markdown docs/load-test.md] [--keep]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import secrets
import shutil
import socket
import subprocess  # gunicorn and locust run as child processes  # nosec B404
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("SURGE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tp_surge")
CACHE_URL = os.environ.get("SURGE_CACHE_URL", "redis://127.0.0.1:6379/2")
P95_LIMIT_MS = 300  # the request rate sustained with p95 within this
NOTE_PREFIX = "surge:"
# The rows of the report, in the order a lead meets them.
KINDS = ("sign-in page", "sign-in", "open cell", "checklist", "tick", "upload")


# -- pure helpers (tests/test_surge.py) ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tick:
    """One answer as the client sent it (acknowledged) or as the history stored it (saved)."""

    item: int
    note: str
    status: str
    user: str


@dataclass(frozen=True)
class TickAudit:
    """Acknowledged ticks against the database.

    lost: acknowledged but no history row carries the note; altered: the row carries the note but another item, answer
    or author; stale: items whose final note is older than the last acknowledged tick (an overwritten answer);
    unacknowledged: rows of ticks the client never saw a 200 for (in flight at the end, or refused; not a loss).
    """

    acknowledged: int
    found: int
    lost: tuple[str, ...]
    altered: tuple[str, ...]
    stale: tuple[int, ...]
    unacknowledged: int

    @property
    def ok(self) -> bool:
        return not (self.lost or self.altered or self.stale)


def note_seq(note: str) -> tuple[str, int] | None:
    """``surge:b00001:17`` → ``("b00001", 17)``; None for any other note."""
    if not note.startswith(NOTE_PREFIX):
        return None
    user, _, seq = note[len(NOTE_PREFIX) :].rpartition(":")
    return (user, int(seq)) if user and seq.isdigit() else None


def tick_audit(*, acknowledged: Iterable[Tick], saved: Iterable[Tick], final_notes: Mapping[int, str]) -> TickAudit:
    """Compare the ticks the client saw acknowledged with the history rows and the items' final notes."""
    acked = {tick.note: tick for tick in acknowledged}
    stored = {tick.note: tick for tick in saved}
    lost = tuple(sorted(note for note in acked if note not in stored))
    altered = tuple(sorted(note for note, tick in acked.items() if note in stored and stored[note] != tick))
    last: dict[int, int] = {}
    for tick in acked.values():
        parsed = note_seq(tick.note)
        if parsed is not None:
            last[tick.item] = max(last.get(tick.item, 0), parsed[1])
    stale = []
    for item, seq in sorted(last.items()):
        final = note_seq(final_notes.get(item, ""))
        if final is None or final[1] < seq:
            stale.append(item)
    return TickAudit(
        acknowledged=len(acked),
        found=len(acked) - len(lost),
        lost=lost,
        altered=altered,
        stale=tuple(stale),
        unacknowledged=len(set(stored) - set(acked)),
    )


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (the value below which q % of the samples lie); 0 for no samples."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass(frozen=True)
class Request:
    """One request as locust's request hook logged it; status 0 when no response came back."""

    name: str
    status: int
    ms: float
    ok: bool
    at: float  # when it ended (epoch seconds)


@dataclass(frozen=True)
class Row:
    name: str
    count: int
    rps: float
    p50: float
    p95: float
    p99: float
    refused: int  # 422: a business rule said no, nothing saved
    failures: int  # any answer the script did not expect, server errors included
    server_errors: int  # 5xx or no answer at all


def is_server_error(status: int) -> bool:
    return status == 0 or status >= 500


def summarise(requests: Sequence[Request], kinds: Sequence[str] = KINDS) -> list[Row]:
    """One row per kind of request and one for all, requests per second over the whole run's window."""
    if not requests:
        return []
    window = max(r.at for r in requests) - min(r.at - r.ms / 1000 for r in requests)
    window = max(window, 1e-9)

    def row(name: str, selected: list[Request]) -> Row:
        times = [r.ms for r in selected]
        return Row(
            name=name,
            count=len(selected),
            rps=len(selected) / window,
            p50=percentile(times, 50),
            p95=percentile(times, 95),
            p99=percentile(times, 99),
            refused=sum(1 for r in selected if r.status == 422),
            failures=sum(1 for r in selected if not r.ok),
            server_errors=sum(1 for r in selected if is_server_error(r.status)),
        )

    by_name: dict[str, list[Request]] = defaultdict(list)
    for request in requests:
        by_name[request.name].append(request)
    names = [k for k in kinds if k in by_name] + sorted(set(by_name) - set(kinds))
    return [row(name, by_name[name]) for name in names] + [row("all", list(requests))]


@dataclass(frozen=True)
class Stage:
    think: float  # mean seconds between one lead's actions
    requests: list[Request]
    seconds: float

    @property
    def rps(self) -> float:
        return len(self.requests) / self.seconds if self.seconds else 0.0

    @property
    def p95(self) -> float:
        return percentile([r.ms for r in self.requests], 95)

    @property
    def server_errors(self) -> int:
        return sum(1 for r in self.requests if is_server_error(r.status))


def split_stages(requests: Sequence[Request], *, started: float, thinks: Sequence[float], seconds: float) -> list[Stage]:
    """The requests started in each stage's window (the stages run back to back from `started`)."""
    stages = []
    for index, think in enumerate(thinks):
        begin, end = started + index * seconds, started + (index + 1) * seconds
        stages.append(Stage(think, [r for r in requests if begin <= r.at - r.ms / 1000 < end], seconds))
    return stages


def sustained_rate(stages: Sequence[Stage], limit_ms: float = P95_LIMIT_MS) -> Stage | None:
    """The stage with the highest request rate whose p95 stayed within the limit and had no server error."""
    good = [s for s in stages if s.requests and s.p95 <= limit_ms and not s.server_errors]
    return max(good, key=lambda s: s.rps, default=None)


def after_sign_in(requests: Sequence[Request]) -> list[Request]:
    """The requests that started once every lead had signed in: the surge without the sign-in storm."""
    signed_in = max((r.at for r in requests if r.name == "sign-in"), default=0.0)
    return [r for r in requests if r.at - r.ms / 1000 >= signed_in]


@dataclass(frozen=True)
class SurgeLog:
    requests: list[Request]
    ticks: list[Tick]
    ticks_refused: int
    uploads: dict[int, int]  # item → files acknowledged
    uploads_refused: int
    stages: dict | None = None  # when the stages began, their think times and length (bench/locustfile.py)


def read_log(lines: Iterable[str]) -> SurgeLog:
    """Parse the JSON lines bench/locustfile.py appends."""
    requests, ticks, uploads = [], [], defaultdict(int)
    ticks_refused = uploads_refused = 0
    stages = None
    for line in lines:
        if not line.strip():
            continue
        record = json.loads(line)
        kind = record["type"]
        if kind == "request":
            requests.append(Request(record["name"], int(record["status"]), float(record["ms"]), record["ok"], record["at"]))
        elif kind == "tick":
            ticks.append(Tick(record["item"], record["note"], record["status"], record["user"]))
        elif kind == "tick_refused":
            ticks_refused += 1
        elif kind == "upload":
            uploads[record["item"]] += 1
        elif kind == "upload_refused":
            uploads_refused += 1
        elif kind == "stages":
            stages = record
    return SurgeLog(requests, ticks, ticks_refused, dict(uploads), uploads_refused, stages)


# -- the run ---------------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_environment(*, work: Path, port: int) -> dict[str, str]:
    """config.settings.production as deployed, but for plain HTTP on loopback: no secure-only cookies (the browser
    would never send them back over http://) and no redirect to https://; files and static files in `work`."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "RESULTS_SIGNING_KEY": secrets.token_urlsafe(40),
        "DATABASE_URL": DATABASE_URL,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_COOKIES": "0",
        "SECURE_SSL_REDIRECT": "0",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "STATIC_ROOT": str(work / "static"),
        "PRIVATE_MEDIA_ROOT": str(work / "private"),
        "CELERY_BROKER_URL": "",  # tasks in-process, as the embedded default
        # As docker-compose.yml: connections kept for a minute, the cache in Redis (a database of its own here).
        "DB_CONN_MAX_AGE": "60",
        "CACHE_URL": CACHE_URL,
        "LOG_LEVEL": "WARNING",
    }


def stop(process: subprocess.Popen) -> None:
    """Stop a process group this script started (gunicorn's master and workers, or locust)."""
    if process.poll() is None:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
            process.wait()


def wait_for_health(url: str, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # a fixed http://127.0.0.1 URL  # nosec B310
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit(f"gunicorn did not answer {url}; its log:\n{log.read_text(errors='replace')[-3000:]}")


def build(*, users: int) -> tuple[dict, str]:
    """Migrate, collect static files, build the company with this month's checklists open; return the plan."""
    from django.core.management import call_command
    from django.db import connection
    from django.urls import reverse

    from audits.models import SelfCheck
    from audits.selfchecks.uploads import MAX_FILES_PER_ITEM
    from bench.large_org import PASSWORD, build_large_org
    from core.dates import local_today
    from touchpoints.choices import Role
    from touchpoints.models import Assignment

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    today = local_today()
    started = time.perf_counter()
    # Month `months` of `year` is the open one: this month, since the server runs on the real clock.
    org = build_large_org(year=today.year, months=today.month, quarters=(today.month - 1) // 3)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics, as autovacuum would have gathered after a bulk load
    built = time.perf_counter() - started
    if users > len(org.lead_usernames):
        sys.exit(f"--users {users}: the company has only {len(org.lead_usernames)} leads")
    cells = {
        a.person.user.username: a
        for a in Assignment.objects.filter(
            role=Role.FUNCTIONAL_MANAGER, person__user__username__in=org.lead_usernames[:users]
        ).select_related("person__user", "project")
    }
    leads = []
    for username in org.lead_usernames[:users]:
        cell = cells[username]
        selfcheck = SelfCheck.objects.get(project=cell.project, function=cell.function, year=today.year, month=today.month)
        leads.append(
            {
                "username": username,
                "password": PASSWORD,
                "selfcheck": selfcheck.pk,
                "cell_url": reverse("audits:selfcheck_open", args=[cell.project.code, cell.function, f"{today:%Y-%m}"]),
                "items": [
                    {"pk": pk, "requires_deliverable": bool(deliverable.strip())}
                    for pk, deliverable in selfcheck.items.values_list("pk", "deliverable")
                ],
            }
        )
    items = sum(len(lead["items"]) for lead in leads)
    data = (
        f"{org.projects} projects, {org.people} people, {org.selfchecks} monthly self-checks with {org.selfcheck_items} "
        f"items ({today:%Y-%m} open, earlier months submitted), {org.inspections} inspections; built and analysed in "
        f"{built:.0f} s. "
        f"The {users} leads own {users} open checklists with {items} items."
    )
    return {"month": f"{today:%Y-%m}", "max_files": MAX_FILES_PER_ITEM, "leads": leads}, data


def password_check_seconds(lead: dict) -> float:
    """What one sign-in's password check costs here (the production hasher, PBKDF2), median of three."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import check_password

    encoded = get_user_model().objects.get(username=lead["username"]).password
    samples = []
    for _ in range(3):
        started = time.perf_counter()
        check_password(lead["password"], encoded)
        samples.append(time.perf_counter() - started)
    return sorted(samples)[1]


def count_in_database(log: SurgeLog, plan: dict) -> tuple[TickAudit, dict[str, int]]:
    """Look every acknowledged tick and upload up in the database."""
    from audits.models import Deliverable, SelfCheckItem

    history = SelfCheckItem.history.model
    saved = [
        Tick(item, note, status, user or "")
        for item, note, status, user in history.objects.filter(note__startswith=NOTE_PREFIX).values_list(
            "id", "note", "status", "history_user__username"
        )
    ]
    final_notes = dict(SelfCheckItem.objects.filter(pk__in={t.item for t in log.ticks}).values_list("pk", "note"))
    audit = tick_audit(acknowledged=log.ticks, saved=saved, final_notes=final_notes)
    files = Deliverable.objects.filter(item__selfcheck__in=[lead["selfcheck"] for lead in plan["leads"]])
    stored: dict[int, int] = defaultdict(int)
    missing_on_disk = 0
    for deliverable in files:
        stored[deliverable.item_id] += 1
        if not deliverable.file.storage.exists(deliverable.file.name):
            missing_on_disk += 1
    uploads = {
        "acknowledged": sum(log.uploads.values()),
        "stored": sum(stored.values()),
        "lost": sum(max(0, n - stored.get(item, 0)) for item, n in log.uploads.items()),
        "missing_on_disk": missing_on_disk,
    }
    return audit, uploads


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children so far (gunicorn's master and workers)."""
    import psutil

    total = 0.0
    try:
        root = psutil.Process(pid)
        for process in [root, *root.children(recursive=True)]:
            times = process.cpu_times()
            total += times.user + times.system
    except psutil.NoSuchProcess:
        pass
    return total


def busy_cpu_seconds() -> float:
    """The whole machine's busy CPU so far, all cores, whoever used it."""
    import psutil

    times = psutil.cpu_times()  # Linux counts guest time inside user time, and steal is another machine's
    return times.user + times.nice + times.system + getattr(times, "irq", 0.0) + getattr(times, "softirq", 0.0)


def access_log_statuses(lines: Iterable[str]) -> list[int]:
    """gunicorn's own view: the status of every request it answered but the health checks (format "%(s)s %(m)s %(U)s")."""
    statuses = []
    for line in lines:
        fields = line.split()
        if len(fields) >= 3 and fields[2] != "/healthz":
            statuses.append(int(fields[0]))
    return statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=300, help="virtual leads, each on their own checklist")
    parser.add_argument("--spawn-rate", type=float, default=20, help="leads starting per second")
    parser.add_argument("--stages", default="12,6,3,2.4,2,1.7", help="mean think time (s) of each stage, comma-separated")
    parser.add_argument("--stage-seconds", type=float, default=20, help="length of each stage once all have signed in")
    parser.add_argument("--sign-in-limit", type=int, default=300, help="seconds allowed for every lead to sign in")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers (docker-compose.yml runs 3)")
    parser.add_argument("--markdown", help="also write the figures as Markdown to this file")
    parser.add_argument("--keep", action="store_true", help="keep the logs and files of a successful run too")
    options = parser.parse_args()
    thinks = [float(s) for s in options.stages.split(",")]
    run_time = int(options.sign_in_limit + len(thinks) * options.stage_seconds)  # a ceiling: the swarm stops itself

    sys.path.insert(0, str(ROOT))
    import psutil  # requirements-bench.txt, like locust

    from bench.run import recreate_database

    work = Path(tempfile.mkdtemp(prefix="touchpoint-surge-"))
    port = free_port()
    env = production_environment(work=work, port=port)
    os.environ.update(env)
    bin_dir = Path(sys.executable).parent

    print(f"Building {DATABASE_URL} (work files in {work}) …", flush=True)
    recreate_database(DATABASE_URL)
    import redis

    redis.Redis.from_url(CACHE_URL).flushdb()  # nothing left by an earlier run
    import django

    django.setup()
    from django.db import connection

    from core.dates import local_today

    plan, data = build(users=options.users)
    sign_in_cost = password_check_seconds(plan["leads"][0])
    connection.close()  # the server gets the database to itself
    plan_path, log_path = work / "plan.json", work / "surge.jsonl"
    plan_path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")

    host = f"http://127.0.0.1:{port}"
    server_log, access_log, locust_log = work / "gunicorn.log", work / "access.log", work / "locust.log"
    server = subprocess.Popen(  # fixed arguments, no shell  # nosec B603
        [
            str(bin_dir / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(options.workers),
            "--timeout",
            "120",
            "--no-control-socket",  # gunicorn 27 would otherwise claim ~/.gunicorn/gunicorn.ctl, shared by every instance
            "--access-logfile",
            str(access_log),
            "--access-logformat",
            "%(s)s %(m)s %(U)s %(M)s",
        ],
        cwd=ROOT,
        env=env,
        stdout=server_log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for_health(f"{host}/healthz", server, server_log)
        print(f"gunicorn ({options.workers} workers) at {host}; locust: {options.users} leads, stages {thinks} …")
        # What else the machine was doing: the figures only hold if the server, PostgreSQL and locust had it to themselves.
        idle_before = 100 - psutil.cpu_percent(interval=2)
        busy0, server0 = busy_cpu_seconds(), tree_cpu_seconds(server.pid)
        children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        swarm = subprocess.Popen(  # fixed arguments, no shell  # nosec B603
            [
                str(bin_dir / "locust"),
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                "--users",
                str(options.users),
                "--spawn-rate",
                str(options.spawn_rate),
                "--run-time",
                f"{run_time}s",
                "--stop-timeout",
                "10",
                "--host",
                host,
                "--csv",
                str(work / "locust"),
                "--only-summary",
            ],
            cwd=ROOT,
            env={
                **env,
                "SURGE_PLAN": str(plan_path),
                "SURGE_LOG": str(log_path),
                "SURGE_USERS": str(options.users),
                "SURGE_STAGES": options.stages,
                "SURGE_STAGE_SECONDS": str(options.stage_seconds),
            },
            stdout=locust_log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            swarm.wait(timeout=run_time + 120)
        except subprocess.TimeoutExpired:
            stop(swarm)
            sys.exit(f"locust did not stop by itself; its log:\n{locust_log.read_text(errors='replace')[-3000:]}")
        elapsed = time.perf_counter() - started
        children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = {
            "server": tree_cpu_seconds(server.pid) - server0,
            "locust": (children1.ru_utime + children1.ru_stime) - (children0.ru_utime + children0.ru_stime),
            "machine": busy_cpu_seconds() - busy0,
        }
    finally:
        stop(server)

    if not log_path.exists():
        sys.exit(f"locust logged nothing; its log:\n{locust_log.read_text(errors='replace')[-3000:]}")
    log = read_log(log_path.read_text(encoding="utf-8").splitlines())
    exceptions = work / "locust_exceptions.csv"  # errors raised by the locustfile itself, header line first
    script_errors = max(0, len(exceptions.read_text(errors="replace").splitlines()) - 1) if exceptions.exists() else 0
    rows = summarise(log.requests)
    audit, uploads = count_in_database(log, plan)
    served = access_log_statuses(access_log.read_text(errors="replace").splitlines() if access_log.exists() else [])
    served_5xx = sum(1 for status in served if status >= 500)
    total = rows[-1] if rows else Row("all", 0, 0, 0, 0, 0, 0, 0, 0)

    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    version = connection.pg_version
    say("# Load test: the deadline surge")
    say()
    say(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"PostgreSQL {version // 10000}.{version % 10000}, run {local_today().isoformat()}; "
        "server, database and load generator on the same machine, over 127.0.0.1."
    )
    say()
    say(f"Data: {data}")
    say()
    say(
        f"Server: gunicorn `config.wsgi:application --workers {options.workers} --timeout 120 --no-control-socket` (sync workers, as "
        "docker-compose.yml), `config.settings.production` over plain HTTP (SECURE_COOKIES=0, SECURE_SSL_REDIRECT=0), "
        f"DB_CONN_MAX_AGE={env.get('DB_CONN_MAX_AGE') or '0 (a new PostgreSQL connection per request)'}, "
        f"the cache in Redis ({env['CACHE_URL']}, emptied first; no page is ever cached), Celery tasks in-process."
    )
    say()
    say(
        f"Load: locust, {options.users} leads (one virtual user per lead, each on their own checklist), "
        f"{options.spawn_rate:g} started per second (whole swarm {elapsed:.0f} s); each signs in once (PBKDF2), opens "
        "the cell, then thinks between actions (0.5–1.5 × the stage's mean): view the checklist 3 : tick an item 6 : "
        f"upload a PDF 1. Once the last lead has signed in, the mean think time steps through {options.stages} s, "
        f"{options.stage_seconds:g} s each ({len(thinks) * options.stage_seconds:g} s of surge)."
    )
    say()

    def table(rows: list[Row]) -> None:
        say("| request | count | req/s | p50 | p95 | p99 | 422 refused | failures | 5xx |")
        say("|---|---|---|---|---|---|---|---|---|")
        for row in rows:
            say(
                f"| {row.name} | {row.count} | {row.rps:.1f} | {row.p50:.0f} ms | {row.p95:.0f} ms | {row.p99:.0f} ms | "
                f"{row.refused} | {row.failures} | {row.server_errors} |"
            )
        say()

    say(
        f"CPU during the swarm ({os.cpu_count()} cores × {elapsed:.0f} s = {(os.cpu_count() or 1) * elapsed:.0f} "
        f"core-seconds): gunicorn {cpu['server']:.0f}, locust {cpu['locust']:.0f}, everything else "
        f"{max(0.0, cpu['machine'] - cpu['server'] - cpu['locust']):.0f} (PostgreSQL, and any other process on the "
        f"machine); {idle_before:.0f} % of the CPU was idle just before the swarm."
    )
    say()
    say(f"## Stages: the highest request rate with p95 ≤ {P95_LIMIT_MS} ms")
    say()
    stages = (
        split_stages(log.requests, started=log.stages["started"], thinks=thinks, seconds=options.stage_seconds)
        if log.stages
        else []
    )
    say("| mean think time | requests | req/s | p50 | p95 | p99 | 5xx | p95 ≤ 300 ms |")
    say("|---|---|---|---|---|---|---|---|")
    for stage in stages:
        times = [r.ms for r in stage.requests]
        say(
            f"| {stage.think:g} s | {len(stage.requests)} | {stage.rps:.1f} | {percentile(times, 50):.0f} ms | "
            f"{stage.p95:.0f} ms | {percentile(times, 99):.0f} ms | {stage.server_errors} | "
            f"{'yes' if stage.p95 <= P95_LIMIT_MS and not stage.server_errors else 'no'} |"
        )
    say()
    best = sustained_rate(stages)
    say(
        f"**Sustained: {best.rps:.0f} req/s at p95 {best.p95:.0f} ms** (think time {best.think:g} s; target ≥ 150 req/s)."
        if best
        else f"**No stage kept p95 within {P95_LIMIT_MS} ms.**"
    )
    say()
    say("## The whole run")
    say()
    table(rows)
    steady = after_sign_in(log.requests)
    say(f"## Once every lead had signed in ({len(steady)} requests)")
    say()
    say(
        "The same requests without the opening sign-in storm: each sign-in's password check (PBKDF2) costs "
        f"{sign_in_cost * 1000:.0f} ms of CPU on this machine, and the first requests queue behind them."
    )
    say()
    table(summarise(steady))
    say("## Server errors and lost ticks")
    say()
    say(f"gunicorn's access log: {len(served)} requests answered (health checks aside), {served_5xx} with 5xx.")
    say()
    say("| in the database afterwards | count |")
    say("|---|---|")
    say(f"| ticks acknowledged (HTTP 200) | {audit.acknowledged} |")
    say(f"| … found in the items' history | {audit.found} |")
    say(f"| **lost ticks** | **{len(audit.lost)}** |")
    say(f"| stored with another item, answer or author | {len(audit.altered)} |")
    say(f"| items whose final answer is older than the last acknowledged one | {len(audit.stale)} |")
    say(f"| ticks refused (422) | {log.ticks_refused} |")
    say(f"| ticks stored but never acknowledged (in flight when the run stopped) | {audit.unacknowledged} |")
    say(
        f"| uploads acknowledged / stored / lost / file missing | {uploads['acknowledged']} / {uploads['stored']} / "
        f"{uploads['lost']} / {uploads['missing_on_disk']} |"
    )
    say()
    say(
        "Reproduce: `make loadtest` (PostgreSQL at 127.0.0.1:5432; the database `tp_surge` is dropped and rebuilt; "
        "options: `.venv/bin/python bench/surge.py --help`)."
    )

    problems = []
    if not audit.ok or uploads["lost"] or uploads["missing_on_disk"]:
        problems.append("ticks or uploads lost or altered")
    if total.server_errors or served_5xx:
        problems.append("server errors")
    if total.failures:
        problems.append("unexpected answers")
    if script_errors:
        problems.append(f"the locustfile raised {script_errors} kinds of error (locust_exceptions.csv)")
    if not audit.acknowledged:
        problems.append("no tick was acknowledged at all")
    if problems:
        say()
        say(f"FAILED: {', '.join(problems)}. Logs kept in {work}.")
    if options.markdown:
        Path(options.markdown).write_text("\n".join(lines) + "\n", encoding="utf-8")
    if problems:
        sys.exit(1)
    if options.keep:
        print(f"Logs kept in {work}.")
    else:
        shutil.rmtree(work)  # kept above, when something went wrong


if __name__ == "__main__":
    main()
