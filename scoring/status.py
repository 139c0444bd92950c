"""Whether a quarter is published, answered from the frozen results; registered as core's publication lock."""

from __future__ import annotations

from core.dates import Quarter

from .models import QuarterResult


def quarter_has_results(quarter: Quarter) -> bool:
    """SPEC §7: a quarter with a published version is locked."""
    return QuarterResult.objects.filter(year=quarter.year, quarter=quarter.number).exists()
