"""Small builders for inspection tests: self-checks of a quarter, inspections with verdicts, a published quarter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.files.base import ContentFile
from django.utils import timezone

from audits.choices import InspectionSource, InspectionState, ItemStatus, SelfCheckState
from audits.item_summary import inspections_store_tally, selfcheck_store_item_summary
from audits.models import Deliverable, Inspection, InspectionItem, SelfCheck, SelfCheckItem
from core.dates import Quarter
from scoring.models import QuarterResult
from tests.factories import StageFactory, TouchpointFactory, default_levels
from touchpoints.choices import Function
from touchpoints.models import Project, Stage, Touchpoint

Q1 = Quarter(2026, 1)
# A day inside 2026Q2: every month of Q1 is past its due date, Q1 is not yet published (due 10 April).
AFTER_Q1 = dt.datetime(2026, 4, 5, 10, 0, tzinfo=dt.UTC)


def sales_stage() -> Stage:
    return StageFactory(name="开盘销售", order=3)


def touchpoints(
    function: str = Function.MARKETING, levels: Sequence[str] = ("一级", "二级", "三级"), prefix: str = ""
) -> list[Touchpoint]:
    """Touchpoints of one function in the 开盘销售 stage, one per level given (codes MKT-01… unless prefixed)."""
    all_levels = default_levels()
    stage = sales_stage()
    prefix = (
        prefix
        or {"marketing": "MKT", "design": "DES", "engineering": "ENG", "customer_relations": "CR", "property": "PM"}[function]
    )
    existing = Touchpoint.objects.filter(code__startswith=f"{prefix}-").count()
    return [
        TouchpointFactory(code=f"{prefix}-{existing + i:02d}", function=function, stage=stage, level=all_levels[name])
        for i, name in enumerate(levels, start=1)
    ]


def selfcheck(
    project: Project,
    function: str,
    month: int,
    answers: Sequence[tuple[Touchpoint, str, str]],
    *,
    year: int = 2026,
    submitted: bool = True,
    late: bool = False,
) -> SelfCheck:
    """A monthly self-check whose items snapshot the given touchpoints, answered (status, note)."""
    check = SelfCheck.objects.create(
        project=project,
        function=function,
        year=year,
        month=month,
        state=SelfCheckState.SUBMITTED if submitted else SelfCheckState.OPEN,
        submitted_at=timezone.now() if submitted else None,
        is_late=late,
    )
    for touchpoint, status, note in answers:
        item = SelfCheckItem(selfcheck=check, status=status, note=note)
        item.copy_from(touchpoint)
        item.save()
    return selfcheck_store_item_summary(selfcheck=check)  # as generation stores it (audits.item_summary)


def attach_file(item: SelfCheckItem, name: str = "展板照片.jpg", content: bytes = b"\xff\xd8\xff photo") -> Deliverable:
    deliverable = Deliverable(item=item, original_name=name, size=len(content), content_type="image/jpeg", sha256="0" * 64)
    deliverable.file.save(name, ContentFile(content), save=False)
    deliverable.save()
    return deliverable


def inspection(
    project: Project,
    function: str,
    verdicts: Sequence[tuple[int, str] | tuple[int, str, str]],
    *,
    quarter: Quarter = Q1,
    finalised: bool = True,
) -> Inspection:
    """An inspection with items of the given (weight, verdict[, claimed status]); codes are X-01, X-02…"""
    result = Inspection.objects.create(
        project=project,
        function=function,
        year=quarter.year,
        quarter=quarter.number,
        state=InspectionState.FINALISED if finalised else InspectionState.IN_PROGRESS,
        source=InspectionSource.WEB,
        finalised_at=timezone.now() if finalised else None,
    )
    for index, spec in enumerate(verdicts, start=1):
        weight, verdict = spec[0], spec[1]
        claimed = spec[2] if len(spec) > 2 else ""
        InspectionItem.objects.create(
            inspection=result,
            code=f"X-{index:02d}",
            name=f"检查项{index}",
            level_name={3: "一级", 2: "二级", 1: "三级"}.get(weight, "一级"),
            weight=weight,
            verdict=verdict,
            claimed_status=claimed,
        )
    inspections_store_tally(Inspection.objects.filter(pk=result.pk))  # as the services store it with the items
    return result


def publish(quarter: Quarter = Q1) -> QuarterResult:
    """Mark the quarter as published (the scoring app owns the real publication)."""
    return QuarterResult.objects.create(
        year=quarter.year, quarter=quarter.number, version=1, published_at=timezone.now(), snapshot={}, digest="0" * 64
    )


DONE, NOT_DONE, NA = ItemStatus.DONE, ItemStatus.NOT_DONE, ItemStatus.NA
