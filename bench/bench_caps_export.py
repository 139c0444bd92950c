"""Benchmark: export the appraisal caps (SPEC §10 `export_caps`) for a city company of 5,000 people.

Builds its own scratch database (a SQLite file in /tmp by default, or with --postgres the PostgreSQL database that
BENCH_CAPS_DATABASE_URL names, tp_bench_caps by default), bulk-inserts a company whose 5,000 people all hold assessed
roles (SPEC §6 caps only those: 832 projects × (a director and five functional managers) and the five function heads),
and 2026Q1–Q3 published with low grades, then times `scoring.exports.CapsExport(2026).write(...)` — the class the
command and the HR workspace use — and prints cells per second (wall and CPU, best and median of five runs without tracemalloc),
then in a separate traced run peak Python memory (tracemalloc), the process's peak RSS, the query count and the rows
written.

    .venv/bin/python bench/bench_caps_export.py [--people 5000] [--postgres]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQLITE_PATH = Path("/tmp/tp_bench_caps.sqlite3")
POSTGRES_URL = os.environ.get("BENCH_CAPS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tp_bench_caps")
OUTPUT = Path("/tmp/tp_bench_caps.xlsx")
YEAR = 2026
ASSESSED_PER_PROJECT = 6  # the project director and one functional manager per function


def prepare_database(use_postgres: bool) -> None:
    """Point Django at a fresh scratch database (never the product's own)."""
    if use_postgres:
        import psycopg
        from psycopg import sql

        server, name = POSTGRES_URL.rsplit("/", 1)
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn, conn.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        os.environ["DATABASE_URL"] = POSTGRES_URL
    else:
        SQLITE_PATH.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_PATH}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def build(people: int) -> dict[str, int]:
    """As many projects × 5 functions as `people` assessed persons fill (team members, never capped, make up any
    remainder), and 2026Q1–Q3 published with low grades. Bulk inserts only."""
    from django.db import transaction
    from django.utils import timezone

    from scoring.choices import Settlement, UnitKind
    from scoring.models import QuarterResult, UnitResult
    from touchpoints.choices import Function, Role
    from touchpoints.models import Assignment, Person, Project

    count = max(1, (people - len(Function)) // ASSESSED_PER_PROJECT)
    with transaction.atomic():
        projects = Project.objects.bulk_create(Project(code=f"C{i:03d}", name=f"东原·基准项目{i:03d}") for i in range(count))
        persons: list[Person] = []
        spans: list[tuple[int, str, Project | None, str]] = []

        def add(role: str, project: Project | None, function: str) -> None:
            n = len(persons)
            persons.append(Person(employee_id=f"C{n:05d}", name=f"员工{n:05d}", email=f"c{n:05d}@bench.example.cn"))
            spans.append((n, role, project, function))

        for function in Function:
            add(Role.FUNCTION_HEAD, None, function)
        for project in projects:
            add(Role.PROJECT_DIRECTOR, project, "")
            for function in Function:
                add(Role.FUNCTIONAL_MANAGER, project, function)
        i = 0
        while len(persons) < people:
            if i % 5:
                add(Role.TEAM_MEMBER, projects[i % count], "")
            else:
                add(Role.TEAM_MEMBER, None, Function.values[i % 5])
            i += 1
        persons = Person.objects.bulk_create(persons, batch_size=2000)
        Assignment.objects.bulk_create(
            (
                Assignment(person=persons[n], role=role, project=project, function=function, start=dt.date(YEAR - 1, 1, 1))
                for n, role, project, function in spans
            ),
            batch_size=2000,
        )

        # The first 80 % of projects graded C in Q1 and Q2 (triggered, consecutive), the next 10 % low in Q3 only (at
        # risk for Q4), the last 10 % fine. Every function low in Q1, Q2 and Q3 (consecutive and cumulative).
        def low(kind: str, index: int, quarter: int) -> bool:
            if kind == UnitKind.FUNCTION:
                return True
            if index < 0.8 * count:
                return quarter in (1, 2)
            if index < 0.9 * count:
                return quarter == 3
            return False

        units = [(UnitKind.FUNCTION, f.value, str(f.label), n) for n, f in enumerate(Function)]
        units += [(UnitKind.PROJECT, p.code, p.name, n) for n, p in enumerate(projects)]
        for quarter in (1, 2, 3):
            rows = []
            for kind, code, name, index in units:
                is_low = low(kind, index, quarter)
                rows.append(
                    {
                        "kind": str(kind),
                        "code": code,
                        "name": name,
                        "done": 50 if is_low else 85,
                        "applicable": 100,
                        "score": {"numerator": 1, "denominator": 2} if is_low else {"numerator": 17, "denominator": 20},
                        "percent": "50.00" if is_low else "85.00",
                        "rank": index + 1,
                        "grade": "C" if is_low else "B+",
                        "low": is_low,
                        "amount": -3000 if is_low else 0,
                        "settlement": (Settlement.SERVICE_FEE if code == "property" else Settlement.TEAM) if is_low else "",
                    }
                )
            snapshot = {
                "format": 1,
                "quarter": f"{YEAR}Q{quarter}",
                "year": YEAR,
                "number": quarter,
                "version": 1,
                "supersedes": None,
                "published_at": f"{YEAR}-{quarter * 3 + 1:02d}-10T09:00:00+08:00",
                "published_by": None,
                "reason": "",
                "policy": {
                    "effective_from": "2016-04-01",
                    "amount": 3000,
                    "reward_above_percent": "90.00",
                    "penalty_below_percent": "60.00",
                },
                "bands": [
                    {"label": label, "min_percent": f"{floor}.00"}
                    for label, floor in (("A", 90), ("B+", 80), ("B", 70), ("B-", 60), ("C", 0))
                ],
                "cap_grade": "B-",
                "confirmed_missing": [],
                "units": rows,
                "cells": [],
            }
            try:
                from scoring.snapshot import digest_of

                digest = digest_of(snapshot)
            except ImportError:
                digest = "0" * 64
            result = QuarterResult.objects.create(
                year=YEAR,
                quarter=quarter,
                version=1,
                published_at=timezone.make_aware(dt.datetime(YEAR, quarter * 3 + 1, 10, 9)),
                snapshot=snapshot,
                digest=digest,
            )
            UnitResult.objects.bulk_create(
                UnitResult(
                    result=result,
                    kind=row["kind"],
                    code=row["code"],
                    name=row["name"],
                    done=row["done"],
                    applicable=row["applicable"],
                    assessed=True,
                    rank=row["rank"],
                    grade=row["grade"],
                    low=row["low"],
                    amount=row["amount"],
                    settlement=row["settlement"],
                )
                for row in rows
            )
    return {"projects": len(projects), "people": len(persons), "assignments": len(spans)}


def measure(output: Path) -> dict[str, float | int]:
    """Time five exports (best and median, no tracing), then trace a sixth for Python's peak allocation and query count.

    tracemalloc slows allocation-heavy code several times over, so the time is taken without it.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from scoring.exports import CapsExport

    times, cpu = [], []
    for _attempt in range(5):
        output.unlink(missing_ok=True)
        started, cpu_started = time.perf_counter(), time.process_time()
        CapsExport(YEAR).write(str(output))
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    # Peak memory in a separate run: tracemalloc slows allocation-heavy code several times over.
    tracemalloc.start()
    with CaptureQueriesContext(connection) as queries:
        CapsExport(YEAR).write(str(output))
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "seconds": min(times),
        "cpu_seconds": min(cpu),
        "median_seconds": statistics.median(times),
        "median_cpu_seconds": statistics.median(cpu),
        "peak_mib": peak / 2**20,
        "queries": len(queries.captured_queries),
    }


def writer_peak(rows: int) -> float:
    """Peak MiB above baseline of the shared writer alone, streaming `rows` caps-like rows (shows it is flat)."""
    from core.xlsx import Column, Sheet, write_workbook

    columns = [Column(header) for header in ("工号", "姓名", "考核单元", "角色", "年度", "绩效上限", "触发季度", "触发规则")]
    data = ((f"C{i:06d}", f"员工{i:06d}", "营销", "团队成员", YEAR, "B-", "2026Q1、2026Q2", "连续两个季度") for i in range(rows))
    tracemalloc.start()
    baseline, _peak = tracemalloc.get_traced_memory()
    write_workbook([Sheet("绩效上限", columns, data)], "/tmp/tp_bench_caps_writer.xlsx")
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return (peak - baseline) / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--postgres", action="store_true", help=f"use {POSTGRES_URL} instead of {SQLITE_PATH}")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()

    prepare_database(args.postgres)
    try:
        from scoring.exports import CapsExport  # noqa: F401
    except ImportError:
        print("scoring.exports.CapsExport does not exist yet: nothing to measure.", file=sys.stderr)
        return 2

    started = time.perf_counter()
    sizes = build(args.people)
    print(
        f"built {sizes['people']} people, {sizes['assignments']} assignments, {sizes['projects']} projects, "
        f"2026Q1–Q3 published, in {time.perf_counter() - started:.1f} s ({os.environ['DATABASE_URL']})"
    )
    figures = measure(args.output)

    from openpyxl import load_workbook

    workbook = load_workbook(args.output, read_only=True)
    counts = {name: sum(1 for _row in workbook[name].iter_rows(min_row=2, values_only=True)) for name in workbook.sheetnames}
    cells = sum(sum(1 for row in workbook[name].iter_rows(values_only=True) for _value in row) for name in workbook.sheetnames)
    workbook.close()
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"export_caps {YEAR}: {cells:,} cells in {figures['seconds']:.3f} s wall = {cells / figures['seconds']:,.0f} cells/s, "
        f"{figures['cpu_seconds']:.3f} s CPU = {cells / figures['cpu_seconds']:,.0f} cells/s (best of 5, no tracemalloc; "
        f"target ≥ 80,000 cells/s: {'met' if cells / figures['seconds'] >= 80_000 else 'MISSED on wall time'})"
    )
    print(
        f"median of the 5: {figures['median_seconds']:.3f} s wall = {cells / figures['median_seconds']:,.0f} cells/s, "
        f"{figures['median_cpu_seconds']:.3f} s CPU = {cells / figures['median_cpu_seconds']:,.0f} cells/s"
    )
    print(
        f"separate traced run: peak Python memory {figures['peak_mib']:.1f} MiB (tracemalloc), "
        f"process peak RSS {rss_mib:.0f} MiB, {figures['queries']} queries, "
        f"{args.output.stat().st_size / 1024:.0f} KiB, rows per sheet {counts}"
    )
    flat = {rows: writer_peak(rows) for rows in (5_000, 50_000)}
    print(
        "shared writer alone (core.xlsx, XlsxWriter constant_memory): "
        + ", ".join(f"{rows:,} rows → peak {mib:.2f} MiB" for rows, mib in flat.items())
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
