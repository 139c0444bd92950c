"""`python manage.py run_scheduled [--date YYYY-MM-DD] [--job NAME …] [--dry-run]`

Runs every scheduled job due on the date — the same code beat runs (notifications.jobs.scheduled_jobs_run) — so an
operator can catch up after downtime and the embedded default (no broker, no beat) still sends its reminders, e.g.
from the system's cron at 09:00. Then it delivers the outbox: every notification, e-mail and chat post still pending
(SPEC §7: a publication made while the broker or the mail server was down is delivered here), retries included.
Safe to run twice: nothing is sent twice (SPEC §9).
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from notifications import delivery, jobs
from notifications.schedule import JOB_TIMES, JobName, jobs_due
from touchpoints.dates import local_today


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
            choices=[job.value for job in JobName],
            help="只运行这些任务(可重复);默认运行当天到期的全部任务",
        )
        parser.add_argument("--dry-run", action="store_true", help="只列出到期的任务,不运行")

    def handle(self, *args, **options):
        day = _date(options["date"]) if options["date"] else local_today()
        only = options["job"] or []
        due = [job for job in jobs_due(day) if not only or job in only]
        if options["dry_run"]:
            for job in due:
                self.stdout.write(f"{day.isoformat()} {JOB_TIMES[job].strftime('%H:%M')}  {job.value}")
            if not due:
                self.stdout.write(f"{day.isoformat()}:没有到期的任务。")
            return
        total = 0
        if not due:
            self.stdout.write(f"{day.isoformat()}:没有到期的任务。")
        for result in jobs.scheduled_jobs_run(day=day, only=due):
            total += result.sent
            self.stdout.write(f"{day.isoformat()}  {result.job.value}: 发送 {result.sent} 条  {result.note}")
        report = delivery.outbox_deliver(force=True)
        self.stdout.write(
            f"待发送队列:新建通知 {report.notified} 条,邮件发送 {report.emailed} 封(失败 {report.email_failed},"
            f"待重试 {report.email_waiting}),群消息 {report.posted} 条(失败 {report.post_failed},待重试 {report.post_waiting})"
        )
        self.stdout.write(self.style.SUCCESS(f"完成:共发送 {total} 条通知。"))
