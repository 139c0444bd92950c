"""Where a page's time goes: cProfile of the busy pages on the benchmark company (bench/large_org.py).

Usage: .venv/bin/python bench/profile_pages.py [--build] [--projects 60] [--top 25] [--page board]
The database named by PROFILE_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/tp_bench_profile) is rebuilt
with --build (or when it does not exist yet) and reused otherwise.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import os
import pstats
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE_URL = os.environ.get("PROFILE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tp_bench_profile")


def database_exists(url: str) -> bool:
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    args = ["-h", parsed.hostname or "127.0.0.1", "-p", str(parsed.port or 5432), "-U", parsed.username or "postgres"]
    out = subprocess.run(["psql", *args, "-Atc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"], capture_output=True)
    return out.stdout.strip() == b"1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", action="store_true")
    parser.add_argument("--projects", type=int, default=60)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--page", action="append", help="checklist, inspection, board, results, tick (default all)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sort", default="tottime", help="pstats order: tottime (own time) or cumulative")
    options = parser.parse_args()

    build = options.build or not database_exists(DATABASE_URL)
    if build:
        from bench.run import recreate_database

        recreate_database(DATABASE_URL)
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    import time_machine
    from django.core.management import call_command
    from django.test import Client

    from bench.run import bench_pages, bench_setup

    clock = time_machine.travel(dt.datetime(2026, 12, 20, 10, 0, tzinfo=dt.UTC), tick=True)
    clock.start()
    if build:
        call_command("migrate", verbosity=0)
        bench_setup(projects=options.projects)
    from django.contrib.auth.models import User

    from core.dates import Quarter
    from core.publication import quarter_is_published
    from scoring.services import quarter_publish

    for number in (1, 2):
        if not quarter_is_published(Quarter(2026, number)):
            quarter_publish(quarter=Quarter(2026, number), user=User.objects.get(username="bench_ops"), confirm_missing=True)
    pages = bench_pages()
    for name, (user, url, post) in pages.items():
        if options.page and name not in options.page:
            continue
        client = Client()
        client.force_login(user)
        for _ in range(2):
            (client.post(url, post(), HTTP_HX_REQUEST="true") if post else client.get(url))
        profile = cProfile.Profile()
        t0 = time.perf_counter()
        profile.enable()
        for _ in range(options.repeat):
            response = client.post(url, post(), HTTP_HX_REQUEST="true") if post else client.get(url)
            assert response.status_code == 200, (name, response.status_code)
        profile.disable()
        elapsed = (time.perf_counter() - t0) / options.repeat
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        stats.sort_stats(options.sort).print_stats(options.top)
        print(f"=== {name}: {elapsed * 1000:.1f} ms per request (under the profiler), {len(response.content)} bytes")
        print("\n".join(out.getvalue().splitlines()[: options.top + 12]))
    clock.stop()


if __name__ == "__main__":
    main()
