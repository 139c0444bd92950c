from pathlib import Path

from scoring.bulletin import write_bulletin

from ._base import CommandError, ScoringCommand


class Command(ScoringCommand):
    help = "导出季度考核通报 PDF(SPEC §16:排名、等级、奖惩、绩效上限、整改汇总),取最新发布版本。"

    def add_arguments(self, parser):
        parser.add_argument("quarter", help="季度,如 2026Q1")
        parser.add_argument("--output", required=True, help="输出的 PDF 文件(.pdf)")

    def handle(self, *args, quarter: str, output: str, **options):
        period = self.quarter(quarter)
        target = Path(output)
        if not target.parent.is_dir():
            raise CommandError(f"输出目录不存在:{target.parent}")
        try:
            data = write_bulletin(quarter=period, path=str(target))
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"已导出 {period} 第 {data.result.version} 版通报到 {target}"))
