from pathlib import Path

from core.xlsx import export_for

from ._base import CommandError, ScoringCommand


class Command(ScoringCommand):
    help = "导出年度绩效上限(SPEC §10:绩效上限、预警),只依据已发布的季度(R11)。"

    def add_arguments(self, parser):
        parser.add_argument("year", help="年度,如 2026")
        parser.add_argument("--output", required=True, help="输出的 Excel 文件(.xlsx)")

    def handle(self, *args, year: str, output: str, **options):
        value = self.year(year)
        target = Path(output)
        if not target.parent.is_dir():
            raise CommandError(f"输出目录不存在:{target.parent}")
        export_for("caps").build(year=value).write(str(target))
        self.stdout.write(self.style.SUCCESS(f"已导出 {value} 年绩效上限到 {target}"))
