"""Proof of docker-compose.yml without a Docker engine: its web, worker and beat commands, run as written against
the machine's PostgreSQL and Redis, come up; the web answers /healthz with the database and the broker reachable."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.db import connection

from tests.conftest import free_port

ROOT = Path(settings.BASE_DIR)
pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def service_command(name: str) -> str:
    command = compose()["services"][name]["command"]
    return command if isinstance(command, str) else shlex.join(command)


def service_env(redis_url: str, tmp_path: Path) -> dict[str, str]:
    """The compose environment, pointed at this machine's services and the test database."""
    env = {**os.environ, **{k: str(v) for k, v in compose()["x-app"]["environment"].items()}}
    db = connection.settings_dict
    env.update(
        SECRET_KEY="compose-proof-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        RESULTS_SIGNING_KEY="compose-proof-results-signing-key-0123456789",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        CELERY_BROKER_URL=redis_url,
        CACHE_URL=redis_url,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        STATIC_ROOT=str(tmp_path / "static"),
        PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    return env


def start(command: str, env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        ["sh", "-c", command], cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)


def wait_for(predicate, seconds: float, what: str, log: Path, process: subprocess.Popen) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        if process.poll() is not None:
            break
        time.sleep(0.5)
    pytest.fail(f"{what} did not come up; log:\n{log.read_text(errors='replace')[-3000:]}")


def test_compose_web_worker_and_beat_commands_come_up(postgres, redis_url, tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.fail("needs PostgreSQL")
    env = service_env(redis_url, tmp_path)
    port = free_port()
    web_command = service_command("web")
    assert "gunicorn config.wsgi:application --bind 0.0.0.0:8000" in web_command
    processes = []
    try:
        web_log = tmp_path / "web.log"
        web = start(web_command.replace("0.0.0.0:8000", f"127.0.0.1:{port}"), env, web_log)
        worker_log = tmp_path / "worker.log"
        worker = start(service_command("worker"), env, worker_log)
        beat_log = tmp_path / "beat.log"
        beat = start(service_command("beat"), env, beat_log)
        processes = [web, worker, beat]

        def healthz() -> dict | None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    return json.loads(response.read())
            except OSError:
                return None

        health = wait_for(healthz, 90, "gunicorn /healthz", web_log, web)
        assert health == {"status": "ok", "database": "ok", "broker": "ok"}

        def worker_answers() -> bool:
            ping = subprocess.run(
                ["celery", "-A", "config", "inspect", "ping", "--timeout", "2"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                check=False,
            )
            return ping.returncode == 0 and b"pong" in ping.stdout

        wait_for(worker_answers, 60, "celery worker", worker_log, worker)
        wait_for(lambda: b"beat: Starting" in beat_log.read_bytes(), 60, "celery beat", beat_log, beat)
        time.sleep(2)
        assert beat.poll() is None, beat_log.read_text(errors="replace")[-3000:]
    finally:
        for process in processes:
            stop(process)
