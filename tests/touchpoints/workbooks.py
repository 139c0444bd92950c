"""Workbooks built in tests, the way users produce them in Excel."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook

from touchpoints.spreadsheets import CATALOGUE_COLUMNS


def workbook_bytes(sheets: dict[str, Sequence[Sequence[Any]]]) -> bytes:
    """An .xlsx with one sheet per key; each value is its rows, header first."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        ws = workbook.create_sheet(title)
        for row in rows:
            ws.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def catalogue_row(
    code: str, stage: str = "开盘销售", level: Any = "一级", name: str = "阳光销售宣言公示", **extra: str
) -> list[Any]:
    values = {
        "编号": code,
        "阶段": stage,
        "触点名称": name,
        "级别": level,
        "标准动作": extra.get("standard_action", "售楼处显著位置设置阳光销售宣言展板"),
        "检查方式": extra.get("check_method", "现场查看"),
        "交付件": extra.get("deliverable", "展板照片"),
        "责任部门": extra.get("responsible_dept", "营销管理部"),
        "协助部门": extra.get("assisting_dept", "运营管理部客服组"),
    }
    return [values[c] for c in CATALOGUE_COLUMNS]


def catalogue_workbook(rows_by_sheet: dict[str, list[list[Any]]]) -> bytes:
    return workbook_bytes({title: [list(CATALOGUE_COLUMNS), *rows] for title, rows in rows_by_sheet.items()})
