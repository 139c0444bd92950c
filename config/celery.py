"""The Celery application. Without CELERY_BROKER_URL tasks run in-process (see settings).

Run one worker (`celery -A config worker`) and exactly one beat (`celery -A config beat`). Beat uses
django-celery-beat's DatabaseScheduler, which copies ``beat_schedule`` below into its tables on start (so admins see
the entries, and the schedule in code stays the source of truth).
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# SPEC §9: beat only wakes the product up, every day, in Asia/Shanghai (CELERY_TIMEZONE). Which jobs run is decided
# by the jobs each app registers with core.jobs — never by crontab(day_of_month=30), which would skip February (R8 Decision).
# A wake-up still queued hours later is dropped (expires): the operator catches up with `manage.py run_scheduled`.
app.conf.beat_schedule = {
    "notifications-daily-0005": {
        "task": "core.run_scheduled",
        "schedule": crontab(hour=0, minute=5),
        "kwargs": {"slot": "00:05"},  # checklist generation on the 1st
        "options": {"expires": 6 * 3600},
    },
    "notifications-daily-0900": {
        "task": "core.run_scheduled",
        "schedule": crontab(hour=9, minute=0),
        "kwargs": {"slot": "09:00"},  # submission reminders, operations digest, publication reminder
        "options": {"expires": 6 * 3600},
    },
    # SPEC §7: the outbox — whatever a broker or mail outage held back, and every retry whose backoff is due.
    "notifications-outbox": {
        "task": "notifications.deliver_outbox",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
}
