"""Builders for rectification tests: a cell inspected with not-done items, finalised through the real service."""

from __future__ import annotations

import io

from audits.inspections.services import inspection_finalise, inspection_item_record, inspection_open
from audits.models import Inspection
from tests.audits.builders_inspections import DONE, NOT_DONE, Q1, selfcheck, touchpoints
from tests.audits.builders_selfchecks import exe_bytes, png_bytes
from touchpoints.choices import Function


def finalised_cell(
    people, *, verdicts=(NOT_DONE, NOT_DONE, DONE), claims=(DONE, "", DONE), function=Function.MARKETING, project=None
) -> Inspection:
    """GG × marketing (by default) self-checked in January with the claims, inspected by operations with the verdicts
    (findings 发现1…), and finalised through `inspection_finalise`."""
    project = project or people.project
    tps = touchpoints(function, levels=("一级", "二级", "三级")[: len(verdicts)])
    selfcheck(project, function, 1, [(tp, claim or "not_done", "") for tp, claim in zip(tps, claims, strict=True)])
    inspector = people.user("inspector")
    inspection = inspection_open(project=project, function=function, quarter=Q1, user=inspector)
    for index, (item, verdict) in enumerate(zip(inspection.items.order_by("code"), verdicts, strict=True), start=1):
        inspection_item_record(item=item, verdict=verdict, finding=f"发现{index}", user=inspector)
    return inspection_finalise(inspection=inspection, user=inspector)


def photo(name: str = "整改照片.png") -> tuple[io.BytesIO, str, int]:
    content = png_bytes()
    return io.BytesIO(content), name, len(content)


def fake_photo(name: str = "整改照片.png") -> tuple[io.BytesIO, str, int]:
    content = exe_bytes()
    return io.BytesIO(content), name, len(content)
