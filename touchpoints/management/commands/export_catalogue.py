from django.core.management.base import BaseCommand

from core.xlsx import export_for
from touchpoints.spreadsheets import CatalogueExport


class Command(BaseCommand):
    help = "导出触点目录为 Excel(与导入格式相同,可往返)。"

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="输出文件路径(.xlsx)")

    def handle(self, *args, output: str, **options):
        export_for(CatalogueExport.identifier).build().write(output)
        self.stdout.write(self.style.SUCCESS(f"已导出:{output}"))
