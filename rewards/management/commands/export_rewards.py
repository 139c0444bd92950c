"""`python manage.py export_rewards 2026 --output FILE.xlsx` (SPEC §10, §11)."""

from django.core.management.base import BaseCommand, CommandError

from core.xlsx import export_for


class Command(BaseCommand):
    help = "导出某年度的奖惩台账(含团队分配明细)为 Excel。"

    def add_arguments(self, parser):
        parser.add_argument("year", help="年度,如 2026")
        parser.add_argument("--output", required=True, help="输出文件路径(.xlsx)")

    def handle(self, *args, year: str, output: str, **options):
        text = year.strip()
        if not (text.isdigit() and len(text) == 4):
            raise CommandError(f'年度格式应为 2026,收到 "{year}"')
        try:
            export_for("rewards").build(year=int(text)).write(output)
        except OSError as exc:
            raise CommandError(f"无法写入文件 {output}:{exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"已导出:{output}"))
