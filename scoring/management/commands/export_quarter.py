from pathlib import Path

from core.xlsx import export_for
from scoring.exports import QuarterNotPublished

from ._base import CommandError, ScoringCommand


class Command(ScoringCommand):
    help = "导出季度考核结果(SPEC §10:职能排名、项目排名、明细),取最新发布版本。"

    def add_arguments(self, parser):
        parser.add_argument("quarter", help="季度,如 2026Q1")
        parser.add_argument("--output", required=True, help="输出的 Excel 文件(.xlsx)")

    def handle(self, *args, quarter: str, output: str, **options):
        period = self.quarter(quarter)
        target = Path(output)
        if not target.parent.is_dir():
            raise CommandError(f"输出目录不存在:{target.parent}")
        try:
            export = export_for("quarter").build(quarter=period)
        except QuarterNotPublished as exc:
            raise CommandError(f"{period} 尚未发布,没有可导出的结果") from exc
        export.write(str(target))
        self.stdout.write(self.style.SUCCESS(f"已导出 {period} 第 {export.result.version} 版到 {target}"))
