"""Whether a quarter is published: upstream code (inspections) asks this before changing anything of that quarter."""

from __future__ import annotations

from touchpoints.dates import Quarter

from .models import QuarterResult


def quarter_is_published(quarter: Quarter) -> bool:
    """A quarter is open until its first version is published; after that it is never edited, only amended (SPEC §7)."""
    return QuarterResult.objects.filter(year=quarter.year, quarter=quarter.number).exists()


def published_quarters(year: int) -> frozenset[int]:
    return frozenset(QuarterResult.objects.filter(year=year).values_list("quarter", flat=True).distinct())
