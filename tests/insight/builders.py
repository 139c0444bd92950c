"""Published quarters for the insight tests: SPEC §12's worked example, and bulk quarters for query-count checks."""

from __future__ import annotations

import time_machine
from django.utils import timezone

from audits.choices import InspectionSource, InspectionState, ItemStatus
from audits.item_summary import inspections_store_tally
from audits.models import Inspection, InspectionItem
from core.dates import Quarter
from scoring.models import QuarterResult
from scoring.services import quarter_publish
from tests.scoring.builders import after, build_worked_example, ensure_default_rules
from touchpoints.models import Project

DONE, NOT_DONE = ItemStatus.DONE, ItemStatus.NOT_DONE


def publish(quarter: Quarter, user=None) -> QuarterResult:
    with time_machine.travel(after(quarter), tick=False):
        return quarter_publish(quarter=quarter, user=user)


def publish_worked_example(quarter: Quarter, user=None) -> QuarterResult:
    """SPEC §12's verdicts as the quarter's finalised inspections, published; findings filled in for every 未完成."""
    ensure_default_rules()
    build_worked_example(quarter)
    for item in InspectionItem.objects.filter(
        inspection__year=quarter.year, inspection__quarter=quarter.number, verdict=ItemStatus.NOT_DONE
    ):
        InspectionItem.objects.filter(pk=item.pk).update(finding=f"现场未见{item.name}记录", stage_name="开盘销售")
    return publish(quarter, user)


def cell(
    project: Project, function: str, quarter: Quarter, rows: list[tuple[str, str, str]], state=InspectionState.FINALISED
) -> Inspection:
    """A finalised inspection (or one in `state`) whose items are (code, stage, verdict), weight 1."""
    inspection = Inspection.objects.create(
        project=project,
        function=function,
        year=quarter.year,
        quarter=quarter.number,
        state=state,
        source=InspectionSource.WEB,
        finalised_at=timezone.now() if state == InspectionState.FINALISED else None,
    )
    InspectionItem.objects.bulk_create(
        InspectionItem(
            inspection=inspection,
            code=code,
            name=f"触点{code}",
            stage_name=stage,
            level_name="三级",
            weight=1,
            verdict=verdict,
            claimed_status=DONE,
            finding=f"{code} 未见记录" if verdict == NOT_DONE else "",
        )
        for code, stage, verdict in rows
    )
    inspections_store_tally(Inspection.objects.filter(pk=inspection.pk))  # as the services store it with the items
    return inspection
