"""Shared behaviour of the workbook import commands: a bad workbook is a clear error and a non-zero exit, nothing changed."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.xlsx import WorkbookInvalid


class WorkbookCommand(BaseCommand):
    def read_bytes(self, path: str) -> bytes:
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"找不到文件:{path}")
        return file.read_bytes()

    def refuse(self, exc: WorkbookInvalid) -> CommandError:
        lines = [f"导入被拒绝,未做任何更改。共 {len(exc.errors)} 处错误:"] + [f"  - {e}" for e in exc.errors]
        return CommandError("\n".join(lines))
