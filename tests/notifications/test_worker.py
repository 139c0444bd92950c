"""The worker path, for real: a Celery worker consuming from the machine's Redis runs the
reminder tasks against a transactional database and each reminder e-mail is delivered once — also when the task is
sent twice. Eager mode is never used here; it only serves the unit tests.

The worker runs in a thread of this process (celery.contrib.testing.worker.start_worker), so Django's locmem mailbox
(mail.outbox) and the settings are shared with the test; the database rows are committed (transaction=True) so the
worker's own connection sees them. Each test uses its own queue, so nothing else listening on the Redis test database
can take its messages.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from email import message_from_bytes
from email import policy as email_policy
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core import mail
from django.db import connection
from kombu import pools as kombu_pools

from audits.jobs import AuditJob
from audits.models import SelfCheck
from config.celery import app as celery_app
from core.tasks import run_job_task, run_scheduled_task
from notifications.choices import NotificationKind
from notifications.models import Notification
from notifications.tasks import deliver_outbox_task
from tests.notifications.builders import lead_of, selfcheck
from touchpoints.choices import Function

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

FEB_29 = "2028-02-29"


class Finished:
    """Collects the ids of tasks the worker finished (task_postrun), so the test waits without a result backend."""

    def __init__(self) -> None:
        self.states: dict[str, str] = {}
        self.threads: set[int] = set()
        self._changed = threading.Condition()

    def __call__(self, sender=None, task_id=None, state=None, **kwargs) -> None:
        with self._changed:
            self.states[task_id] = state
            self.threads.add(threading.get_ident())
            self._changed.notify_all()

    def wait_for(self, task_ids: list[str], timeout: float = 60) -> dict[str, str]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not all(t in self.states for t in task_ids):
                left = deadline - time.monotonic()
                if left <= 0:
                    pytest.fail(f"the worker did not finish {task_ids} in {timeout}s (done: {self.states})")
                self._changed.wait(left)
        return {t: self.states[t] for t in task_ids}


def forget_broker_connections() -> None:
    """Drop the broker connection pools the app built for another broker URL (eager apply_async builds one too)."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    kombu_pools.reset()  # closes and forgets every pooled connection and producer of this process


@pytest.fixture
def worker_queue(redis_url):
    """The project's Celery app pointed at the test Redis, not eager, with a worker thread on a private queue."""
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager", "result_backend")}
    celery_app.conf.update(broker_url=redis_url, task_always_eager=False, result_backend=None)
    forget_broker_connections()
    queue = f"test-notifications-{uuid.uuid4().hex[:12]}"
    finished = Finished()
    FINISHED[:] = [finished]
    task_postrun.connect(finished, weak=False)
    # Threads on PostgreSQL: the two copies of a task really race for the send log. SQLite's in-memory test database
    # cannot take concurrent writers, so there the worker runs them one after the other.
    pool, concurrency = ("threads", 2) if connection.vendor == "postgresql" else ("solo", 1)
    try:
        with start_worker(
            celery_app, pool=pool, concurrency=concurrency, perform_ping_check=False, queues=[queue], shutdown_timeout=30
        ):
            yield queue, finished
    finally:
        task_postrun.disconnect(finished)
        with celery_app.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)
        celery_app.conf.update(saved)
        forget_broker_connections()


def deliver(queue: str) -> None:
    """The outbox delivery the jobs asked for after commit, run by the worker on the test's private queue."""
    task = deliver_outbox_task.apply_async(queue=queue)
    assert FINISHED[0].wait_for([task.id]) == {task.id: "SUCCESS"}


FINISHED: list[Finished] = []


@pytest.fixture
def february(people) -> dict[str, str]:
    """Open February 2028 checklists of three cells, led by three people; returns username → e-mail."""
    selfcheck(people.project, Function.MARKETING, 2028, 2)  # 杨帆
    selfcheck(people.other_project, Function.DESIGN, 2028, 2)  # 外人
    third = lead_of(people.project, Function.ENGINEERING, name="孙海涛")
    selfcheck(people.project, Function.ENGINEERING, 2028, 2)
    selfcheck(people.project, Function.DESIGN, 2028, 2, submitted=True)  # nobody to remind
    assert SelfCheck.objects.filter(year=2028, month=2).count() == 4
    return {p.user.username: p.email for p in (people.lead, people.outsider, third)}


def test_worker_delivers_each_reminder_once_even_when_the_task_is_sent_twice(worker_queue, february, people) -> None:
    queue, finished = worker_queue
    assert not celery_app.conf.task_always_eager
    first = run_job_task.apply_async(args=[AuditJob.SELFCHECK_DUE.value, FEB_29], queue=queue)
    second = run_job_task.apply_async(args=[AuditJob.SELFCHECK_DUE.value, FEB_29], queue=queue)
    # The beat's own task for the same morning, too: it runs the due-date reminder a third time, plus the digest.
    beat = run_scheduled_task.apply_async(kwargs={"day": FEB_29, "slot": "09:00"}, queue=queue)
    states = finished.wait_for([first.id, second.id, beat.id])
    assert set(states.values()) == {"SUCCESS"}, states
    assert threading.get_ident() not in finished.threads  # run by the worker, not in this thread (not eager)
    deliver(queue)  # the outbox (SPEC §7), twice as a duplicate would
    deliver(queue)

    reminders = [m for m in mail.outbox if "月度自检今天截止" in m.subject]
    assert Counter(address for m in reminders for address in m.to) == Counter(february.values())
    assert all(count == 1 for count in Counter(address for m in reminders for address in m.to).values())
    digests = [m for m in mail.outbox if "【汇总】" in m.subject]
    assert [m.to for m in digests] == [[people.inspector.email]]
    rows = Notification.objects.filter(kind=NotificationKind.SELFCHECK_DUE, period="2028-02")
    assert set(rows.values_list("recipient__username", flat=True)) == set(february)
    assert rows.count() == len(february)


def test_worker_mail_goes_to_the_file_backend_the_environment_names(worker_queue, february, settings, tmp_path: Path) -> None:
    """With EMAIL_BACKEND/EMAIL_FILE_PATH (settings read them from the environment) the worker writes the mailbox there."""
    queue, finished = worker_queue
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    ids = [run_job_task.apply_async(args=[AuditJob.SELFCHECK_DUE_SOON.value, "2028-02-26"], queue=queue).id for _ in range(2)]
    assert set(finished.wait_for(ids).values()) == {"SUCCESS"}
    deliver(queue)

    messages = []
    for path in sorted(tmp_path.iterdir()):
        for chunk in path.read_bytes().split(b"-" * 79):
            if chunk.strip():
                messages.append(message_from_bytes(chunk.strip(), policy=email_policy.default))
    assert Counter(m["To"] for m in messages) == Counter(february.values())
    sample = messages[0]
    assert "将于2月29日截止" in sample["Subject"]
    assert {part.get_content_type() for part in sample.walk()} >= {"text/plain", "text/html"}


def test_the_tasks_take_plain_arguments_and_refuse_a_wrong_day(worker_queue, february) -> None:
    """A task for a day its job is not due on fails (no reminder goes out on the wrong day) and sends nothing."""
    queue, finished = worker_queue
    wrong = run_job_task.apply_async(args=[AuditJob.SELFCHECK_DUE.value, "2028-02-28"], queue=queue)
    assert finished.wait_for([wrong.id]) == {wrong.id: "FAILURE"}
    assert mail.outbox == []
    assert not Notification.objects.exists()
