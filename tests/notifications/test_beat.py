"""Beat's schedule (config/celery.py): daily wake-ups in Asia/Shanghai, synced into django-celery-beat's tables, and
the beat task doing what run_scheduled does. Tasks run eagerly here (unit tests); tests/notifications/test_worker.py
proves the worker path."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from config.celery import app as celery_app
from core.dates import SHANGHAI
from core.jobs import parse_slot
from core.jobs import slots as beat_slots
from core.tasks import run_scheduled_task
from notifications.choices import NotificationKind
from notifications.models import Notification
from tests.notifications.builders import deliver, selfcheck
from touchpoints.choices import Function


def test_beat_wakes_up_every_day_at_each_slot() -> None:
    """Never a day-of-month crontab (the 30th does not exist in February): every day, and code decides (R8)."""
    entries = {name: e for name, e in celery_app.conf.beat_schedule.items() if name != OUTBOX}
    assert len(entries) == len(beat_slots())
    slots = set()
    for entry in entries.values():
        schedule = entry["schedule"]
        assert entry["task"] in celery_app.tasks
        assert schedule.day_of_month == set(range(1, 32))
        assert schedule.month_of_year == set(range(1, 13))
        assert schedule.day_of_week == set(range(7))
        slot = parse_slot(entry["kwargs"]["slot"])
        assert schedule.hour == {slot.hour} and schedule.minute == {slot.minute}
        slots.add(slot)
    assert slots == set(beat_slots())
    assert str(celery_app.conf.timezone) == "Asia/Shanghai"


OUTBOX = "notifications-outbox"


def test_beat_delivers_the_outbox_every_minute() -> None:
    """SPEC §7: what a broker or mail outage held back goes out within a minute of both being back."""
    entry = celery_app.conf.beat_schedule[OUTBOX]
    assert entry["task"] == "notifications.deliver_outbox" and entry["task"] in celery_app.tasks
    assert entry["schedule"] == 60.0


def test_the_next_wake_up_after_the_28th_of_february_is_the_29th_at_nine() -> None:
    schedule = celery_app.conf.beat_schedule["notifications-daily-0900"]["schedule"]
    last_run = dt.datetime(2028, 2, 28, 9, 0, tzinfo=SHANGHAI)
    next_run = last_run + schedule.remaining_delta(last_run, tz=SHANGHAI)[1]
    assert next_run.astimezone(SHANGHAI).replace(tzinfo=None) == dt.datetime(2028, 2, 29, 9, 0)


@pytest.mark.django_db(transaction=True)  # the scheduler closes stale connections, as a long-running beat must
def test_the_database_scheduler_picks_up_the_schedule_on_start() -> None:
    """django-celery-beat (CELERY_BEAT_SCHEDULER) copies beat_schedule into its tables when beat starts."""
    scheduler = DatabaseScheduler(app=celery_app, lazy=True)
    scheduler.setup_schedule()
    for name, entry in celery_app.conf.beat_schedule.items():
        if name == OUTBOX:
            assert PeriodicTask.objects.get(name=name).interval.every == 60
            continue
        task = PeriodicTask.objects.select_related("crontab").get(name=name)
        assert task.task == entry["task"]
        assert task.enabled
        assert str(task.crontab.timezone) == "Asia/Shanghai"
        assert (task.crontab.hour, task.crontab.minute, task.crontab.day_of_month) == (
            str(parse_slot(entry["kwargs"]["slot"]).hour),
            str(parse_slot(entry["kwargs"]["slot"]).minute),
            "*",
        )
    # Starting a second time does not duplicate the entries.
    DatabaseScheduler(app=celery_app, lazy=True).setup_schedule()
    assert PeriodicTask.objects.filter(name__in=list(celery_app.conf.beat_schedule)).count() == len(beat_slots()) + 1


@pytest.mark.django_db
def test_beat_task_without_a_date_runs_the_jobs_of_today_in_shanghai(people) -> None:
    """Beat sends no date: the task takes today's Shanghai date — 29 February at 09:00 there is still the 29th
    whatever the server's clock zone (01:00 UTC)."""
    selfcheck(people.project, Function.MARKETING, 2028, 2)
    with time_machine.travel(dt.datetime(2028, 2, 29, 1, 0, tzinfo=dt.UTC), tick=False):
        assert run_scheduled_task.delay(slot="00:05").get() == {}
        assert run_scheduled_task.delay(slot="09:00").get() == {"selfcheck_due": 1, "missing_digest": 1}
        assert run_scheduled_task.delay(slot="09:00").get() == {"selfcheck_due": 0, "missing_digest": 0}
    assert Notification.objects.filter(kind=NotificationKind.SELFCHECK_DUE, period="2028-02").count() == 1
    deliver()
    assert len(mail.outbox) == 2
