"""Published quarters for the insight tests: SPEC §12's worked example, and bulk quarters for query-count checks."""

from __future__ import annotations

import pytest
import time_machine
from django.core.cache import cache

from audits.choices import ItemStatus
from audits.models import InspectionItem
from core.dates import Quarter
from scoring.models import QuarterResult
from scoring.services import quarter_publish
from tests.scoring.builders import after, build_worked_example, ensure_default_rules


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


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Heat-map aggregates are cached by published version; each test starts from an empty cache."""
    cache.clear()
    yield
    cache.clear()
