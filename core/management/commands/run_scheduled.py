"""`python manage.py run_scheduled [--date YYYY-MM-DD] [--job NAME …] [--dry-run]`

Runs every scheduled job due on the date — the same code beat runs (core.jobs.scheduled_jobs_run) — so an
operator can catch up after downtime and the embedded default (no broker, no beat) still sends its reminders, e.g.
from the system's cron at 09:00. Safe to run twice: nothing is sent twice (SPEC §9).
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from core import jobs
from core.dates import local_today


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f'--date 应为 YYYY-MM-DD,例如 2028-02-29,收到 "{text}"') from None


class Command(BaseCommand):
    help = "运行某一天到期的全部定时任务(生成自检表、截止提醒、未提交汇总、发布提醒);重复运行不会重复发送。"

    def add_arguments(self, parser):
        parser.add_argument("--date", help="日期 YYYY-MM-DD(默认今天,Asia/Shanghai)")
        parser.add_argument(
            "--job",
            action="append",
            choices=jobs.job_names(),
            help="只运行这些任务(可重复);默认运行当天到期的全部任务",
        )
        parser.add_argument("--dry-run", action="store_true", help="只列出到期的任务,不运行")

    def handle(self, *args, **options):
        day = _date(options["date"]) if options["date"] else local_today()
        only = options["job"] or []
        due = [job for job in jobs.jobs_due(day) if not only or job in only]
        if not due:
            self.stdout.write(f"{day.isoformat()}:没有到期的任务。")
        if options["dry_run"]:
            for job in due:
                self.stdout.write(f"{day.isoformat()} {jobs.job_time(job).strftime('%H:%M')}  {job}")
            return
        total = 0
        # Then the catch-ups: the notification outbox delivers whatever is still pending (SPEC §7).
        for result in [*jobs.scheduled_jobs_run(day=day, only=due), *jobs.catch_ups_run(day=day)]:
            total += result.sent
            self.stdout.write(f"{day.isoformat()}  {result.job}: 发送 {result.sent} 条  {result.note}")
        self.stdout.write(self.style.SUCCESS(f"完成:共发送 {total} 条通知。"))
