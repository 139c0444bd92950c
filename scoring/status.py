"""Whether a quarter is published, answered from the frozen results; registered as core's publication lock."""

from __future__ import annotations

from functools import cache

from django.db import connection

from core.dates import Quarter
from core.statements import Statement, compile_statement

from .models import QuarterResult


@cache
def _any_version(alias: str) -> Statement:
    """One version's key of a quarter, if it has any: the query compiled once per process (core.statements), since
    every inspection page and every change to an inspection asks."""
    return compile_statement(
        lambda year, number: QuarterResult.objects.filter(year=year, quarter=number).only("id")[:1], alias, keys=(int, int)
    )


def quarter_has_results(quarter: Quarter) -> bool:
    """SPEC §7: a quarter with a published version is locked."""
    return bool(_any_version(connection.alias).instances(quarter.year, quarter.number))
