from core.commands import WorkbookCommand
from core.xlsx import WorkbookInvalid
from touchpoints.services import org_import
from touchpoints.spreadsheets import org_plan


class Command(WorkbookCommand):
    help = "导入组织架构(工作表「项目」与「人员」,SPEC §10);任何一行有错则整体拒绝。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="Excel 文件(.xlsx)")

    def handle(self, *args, file: str, **options):
        try:
            plan = org_plan(self.read_bytes(file))
        except WorkbookInvalid as exc:
            raise self.refuse(exc) from exc
        counts = org_import(plan=plan)
        self.stdout.write(
            self.style.SUCCESS(
                f"导入完成:项目 {counts['projects']} 个,人员新增或更新 {counts['people']} 人,任职新增或更新 {counts['assignments']} 条"
            )
        )
