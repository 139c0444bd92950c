"""`python manage.py import_inspection 2026Q1 FILE.xlsx` — paper inspections (SPEC §10, §11)."""

from django.core.management.base import CommandError

from audits.inspections.services import InspectionRefused, inspection_import
from audits.inspections.spreadsheets import inspection_plan
from core.commands import WorkbookCommand
from core.dates import Quarter
from core.xlsx import WorkbookInvalid


class Command(WorkbookCommand):
    help = "导入纸质检查结果(SPEC §10):每个项目×职能成为一份已定稿的检查;任何一行有错则整体拒绝;季度发布后拒绝。"

    def add_arguments(self, parser):
        parser.add_argument("quarter", help="季度,例如 2026Q1")
        parser.add_argument("file", help="Excel 文件(.xlsx),表头:项目编号 | 职能 | 触点编号 | 结果 | 说明")
        parser.add_argument("--dry-run", action="store_true", help="只检查并列出将要做的事,不写入")

    def handle(self, *args, quarter: str, file: str, dry_run: bool, **options):
        try:
            selected = Quarter.parse(quarter)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        try:
            plan = inspection_plan(self.read_bytes(file), quarter=selected)
        except WorkbookInvalid as exc:
            raise self.refuse(exc) from exc
        for group in plan.groups:
            action = f"替换(原 {group.replaced_items} 项)" if group.replaces else "新建"
            self.stdout.write(
                f"{action} {group.project.code} {group.function.label}:{len(group.rows)} 项"
                f"(完成 {group.done},未完成 {group.not_done},不适用 {group.not_applicable})"
            )
        if dry_run:
            self.stdout.write(f"检查通过(未写入):{len(plan.groups)} 份检查,{plan.rows} 个检查项")
            return
        try:
            summary = inspection_import(plan=plan)
        except InspectionRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"导入完成({selected}):新建 {summary.created} 份,替换 {summary.replaced} 份,共 {summary.items} 个检查项,均已定稿"
            )
        )
