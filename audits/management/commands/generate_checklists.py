"""python manage.py generate_checklists [2026-11] — create the month's missing self-checks (safe to run twice)."""

from django.core.management.base import BaseCommand, CommandError

from audits.selfchecks.services import checklists_generate
from core import dates


class Command(BaseCommand):
    help = "生成某月缺少的月度自检表(默认本月),重复运行不会重复生成"

    def add_arguments(self, parser):
        parser.add_argument("month", nargs="?", help="月份,格式 2026-11;省略时为本月(北京时间)")

    def handle(self, *args, **options):
        text = options["month"]
        if text is None:
            today = dates.local_today()
            year, month = today.year, today.month
        else:
            try:
                year, month = dates.parse_month(text)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        created = checklists_generate(year=year, month=month)
        self.stdout.write(f"{dates.month_label(year, month)}:新生成 {created} 张自检表")
