"""Builders for self-check tests (other engineers may import them): catalogue rows for a cell, checklists, files.

Everything is built in code around ``tests.factories.build_people()`` (project GG × marketing and its named people).
"""

from __future__ import annotations

import io
import zipfile

import openpyxl

from audits.models import SelfCheck
from audits.selfchecks.services import checklists_generate
from tests.factories import StageFactory, TouchpointFactory, default_levels
from touchpoints.choices import Function
from touchpoints.models import Project, Stage, Touchpoint

STAGE_NAMES = ["拿地定位", "规划设计", "开盘销售", "签约按揭", "工程建设", "交付入伙", "物业服务"]
_counter = {"n": 0}


def stages(count: int = 3) -> list[Stage]:
    return [StageFactory(name=name, order=i) for i, name in enumerate(STAGE_NAMES[:count], start=1)]


def build_touchpoints(
    *, project: Project, function: str = Function.MARKETING, count: int = 10, stage_count: int = 3, deliverable_every: int = 2
) -> list[Touchpoint]:
    """``count`` active touchpoints of a function spread over stages that are active in the project.

    Every ``deliverable_every``-th touchpoint expects a deliverable (0: none does). Levels cycle 一级/二级/三级 (3/2/1).
    """
    levels = list(default_levels().values())
    active = stages(stage_count)
    project.stages.add(*active)
    prefix = {"marketing": "MKT", "design": "DES", "engineering": "ENG", "customer_relations": "CR", "property": "PM"}[function]
    created = []
    for i in range(count):
        _counter["n"] += 1
        created.append(
            TouchpointFactory(
                code=f"{prefix}-{_counter['n']:04d}",
                function=function,
                stage=active[i % len(active)],
                level=levels[i % 3],
                name=f"触点{i + 1}:签约后寄送客户服务计划书",
                deliverable="寄送记录" if deliverable_every and i % deliverable_every == 0 else "",
            )
        )
    return created


def build_selfcheck(people, *, year: int, month: int, count: int = 10, deliverable_every: int = 2) -> SelfCheck:
    """GG × marketing's checklist of the month with ``count`` items."""
    build_touchpoints(project=people.project, count=count, deliverable_every=deliverable_every)
    checklists_generate(year=year, month=month)
    return SelfCheck.objects.get(project=people.project, function=Function.MARKETING, year=year, month=month)


# -- file contents ----------------------------------------------------------------------------------------------------


def pdf_bytes(size: int = 0) -> bytes:
    body = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    return body + b"%" * max(0, size - len(body))


def png_bytes() -> bytes:
    return bytes.fromhex("89504E470D0A1A0A0000000D4948445200000001000000010806000000") + b"\x00" * 64


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["编号", "结果"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def plain_zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not an office document")
    return buffer.getvalue()


def legacy_office_bytes() -> bytes:
    """The OLE2 compound-file signature of Office 97–2003 documents (doc/xls/ppt)."""
    return bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 1024


def exe_bytes() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + b"\x00" * 256
