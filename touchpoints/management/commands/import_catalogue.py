from core.commands import WorkbookCommand
from core.xlsx import WorkbookInvalid
from touchpoints.services import catalogue_import
from touchpoints.spreadsheets import catalogue_plan


class Command(WorkbookCommand):
    help = "导入触点目录(SPEC §10):按编号更新、新增,不删除;任何一行有错则整体拒绝。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="Excel 文件(.xlsx),每个职能一个工作表")
        parser.add_argument("--dry-run", action="store_true", help="只检查并列出变化,不写入")

    def handle(self, *args, file: str, dry_run: bool, **options):
        try:
            plan = catalogue_plan(self.read_bytes(file))
        except WorkbookInvalid as exc:
            raise self.refuse(exc) from exc
        for row in plan.creates:
            self.stdout.write(f"+ {row.code} {row.values['name']}")
        for row, _touchpoint, changes in plan.updates:
            for change in changes:
                self.stdout.write(f"~ {row.code} {change.field}: {change.before!r} → {change.after!r}")
        if dry_run:
            self.stdout.write(f"检查通过(未写入):新增 {len(plan.creates)},更新 {len(plan.updates)},未变 {plan.unchanged}")
            return
        summary = catalogue_import(plan=plan)
        self.stdout.write(self.style.SUCCESS(f"导入完成:新增 {summary.created},更新 {summary.updated},未变 {summary.unchanged}"))
