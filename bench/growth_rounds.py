"""The board's growth re-measured in rounds: boards of 10, 60 and 200 projects built once, each in its own database,
then each timed in a fresh process (bench/run.py's own growth worker), the sizes interleaved round by round, so that
the spread between runs shows beside the figure `make bench` judges.

Usage: .venv/bin/python bench/growth_rounds.py [--rounds 3]
The databases tp_growth_10, tp_growth_60 and tp_growth_200 (PostgreSQL at 127.0.0.1:5432) are dropped and rebuilt.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess  # the bench's own worker, run as a child process  # nosec B404
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SIZES = (10, 60, 200)


def url(projects: int) -> str:
    return f"postgres://postgres@127.0.0.1:5432/tp_growth_{projects}"


def worker(projects: int, phase: str) -> str:
    command = [sys.executable, str(ROOT / "bench" / "run.py"), "--growth-worker", str(projects), "--growth-phase", phase]
    environment = {**os.environ, "BENCH_GROWTH_DATABASE_URL": url(projects)}
    done = subprocess.run(command, check=True, env=environment, cwd=ROOT, capture_output=True, text=True)  # nosec B603
    return done.stdout


def per_added_cell(cpu: dict[int, float]) -> tuple[float, float]:
    return (cpu[60] - cpu[10]) / (5 * 50), (cpu[200] - cpu[60]) / (5 * 140)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    from bench.run import recreate_database

    for projects in SIZES:
        recreate_database(url(projects))
        worker(projects, "build")
    rounds = []
    for number in range(1, options.rounds + 1):
        cpu = {n: json.loads(worker(n, "measure").strip().splitlines()[-1])["cpu"] * 1000 for n in SIZES}
        rounds.append(cpu)
        first, then = per_added_cell(cpu)
        print(
            f"round {number}: CPU {' / '.join(f'{cpu[n]:.1f}' for n in SIZES)} ms; per added cell {first:.3f} then {then:.3f} ms ({(then / first - 1) * 100:+.0f} %)"
        )
    medians = {n: statistics.median(r[n] for r in rounds) for n in SIZES}
    first, then = per_added_cell(medians)
    print(
        f"medians: CPU {' / '.join(f'{medians[n]:.1f}' for n in SIZES)} ms; per added cell {first:.3f} then {then:.3f} ms ({(then / first - 1) * 100:+.0f} %)"
    )


if __name__ == "__main__":
    main()
