"""The publication outbox for real (SPEC §7): a Celery worker against a Redis broker that is stopped
and then started again.

Publishing while the broker is down answers success at once and leaves the notifications pending; once Redis is back
the worker delivers each e-mail exactly once (also when the delivery task is sent twice), and ``run_scheduled``
afterwards finds nothing left. A second test shows ``run_scheduled`` catching up while the broker is still down.

Each test starts its own redis-server on a free port of 127.0.0.1 and stops it afterwards; the worker runs in a
thread of this process (as in test_worker.py), so the locmem mailbox is shared with the test.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections import Counter
from io import StringIO

import pytest
import redis
import time_machine
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from config.celery import app as celery_app
from notifications.choices import DeliveryState, DispatchState, NotificationKind
from notifications.models import Dispatch, Notification
from notifications.tasks import deliver_outbox_task
from scoring.models import QuarterResult
from tests.conftest import free_port, service_missing
from tests.notifications.test_worker import Finished, forget_broker_connections
from tests.scoring.builders import Q1, after, build_worked_example, ensure_default_rules

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


class RedisServer:
    """A private redis-server on 127.0.0.1 that the test stops and starts."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                redis.Redis(port=self.port, socket_connect_timeout=0.2).ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        pytest.fail(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@pytest.fixture
def broker():
    """The project's Celery app pointed at a private Redis (not eager); the Redis is stopped at first."""
    if shutil.which("redis-server") is None:
        service_missing("needs redis-server on the PATH")
    server = RedisServer(free_port())
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager", "result_backend")}
    celery_app.conf.update(broker_url=server.url, task_always_eager=False, result_backend=None)
    forget_broker_connections()
    try:
        yield server
    finally:
        server.stop()
        celery_app.conf.update(saved)
        forget_broker_connections()


def publish_through_the_browser(client, people):
    client.force_login(people.inspector.user)
    with time_machine.travel(after(Q1, days=10), tick=True):
        # SPEC §7: the confirmation step, with the quarter typed in and the figures it confirms.
        url = reverse("scoring:publish", args=[str(Q1)])
        fingerprint = client.get(url).context["form"]["fingerprint"].value()
        started = time.monotonic()
        response = client.post(url, {"confirmation": str(Q1), "fingerprint": fingerprint})
        return response, time.monotonic() - started


def assessed_addresses(people) -> Counter:
    return Counter(p.email for p in (people.lead, people.director, people.head, people.outsider))


def test_publishing_with_the_broker_down_succeeds_and_the_worker_delivers_once_when_it_is_back(client, people, broker) -> None:
    ensure_default_rules()  # a transactional test's flush empties the data migrations' tables
    build_worked_example()
    broker.start()
    broker.stop()  # the broker goes down before the publication
    forget_broker_connections()

    response, elapsed = publish_through_the_browser(client, people)
    assert response.status_code == 302, response.content.decode()[:500]
    assert response["Location"] == reverse("scoring:results_quarter", args=[str(Q1)])
    assert elapsed < 2  # no publish retries against the dead broker
    assert QuarterResult.objects.filter(year=2026, quarter=1).count() == 1
    assert Dispatch.objects.get().state == DispatchState.PENDING  # written in the publication's transaction
    assert mail.outbox == []

    broker.start()
    forget_broker_connections()
    finished = Finished()
    task_postrun.connect(finished, weak=False)
    try:
        # On PostgreSQL two worker threads really race for the rows (SKIP LOCKED); SQLite's in-memory test database
        # takes one writer, so there the worker runs the two tasks one after the other.
        pool, concurrency = ("threads", 2) if connection.vendor == "postgresql" else ("solo", 1)
        with start_worker(celery_app, pool=pool, concurrency=concurrency, perform_ping_check=False, shutdown_timeout=30):
            # What beat sends every minute — twice, as a duplicate delivery or a second beat would.
            ids = [deliver_outbox_task.apply_async().id for _ in range(2)]
            assert set(finished.wait_for(ids).values()) == {"SUCCESS"}
    finally:
        task_postrun.disconnect(finished)

    assert Counter(address for m in mail.outbox for address in m.to) == assessed_addresses(people)
    assert all(m.subject == "2026年第1季度考核结果已发布" for m in mail.outbox)
    assert Dispatch.objects.get().state == DispatchState.DONE
    notes = Notification.objects.filter(kind=NotificationKind.RESULT_PUBLISHED, period="2026Q1v1")
    assert notes.count() == 4 and set(notes.values_list("email_state", flat=True)) == {DeliveryState.SENT}

    out = StringIO()
    call_command("run_scheduled", "--date", "2026-04-11", stdout=out)
    assert "deliver_outbox: 发送 0 条" in out.getvalue()
    assert len(mail.outbox) == 4  # exactly once


def test_run_scheduled_delivers_what_is_pending_while_the_broker_is_still_down(client, people, broker) -> None:
    ensure_default_rules()
    build_worked_example()  # the broker was never started
    response, _elapsed = publish_through_the_browser(client, people)
    assert response.status_code == 302, response.content.decode()
    assert mail.outbox == [] and not Notification.objects.exists()

    out = StringIO()
    call_command("run_scheduled", "--date", "2026-04-11", stdout=out)
    assert "deliver_outbox: 发送 4 条" in out.getvalue()
    assert Counter(address for m in mail.outbox for address in m.to) == assessed_addresses(people)
    call_command("run_scheduled", "--date", "2026-04-11", stdout=StringIO())
    assert len(mail.outbox) == 4
