"""Home-page panels of the quarterly inspections (see touchpoints.home): operations' inspection progress."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest

from touchpoints.access import Scope
from touchpoints.home import Panel

from .selectors.inspections import can_operate, default_quarter, quarter_board


def panels(*, request: HttpRequest, scope: Scope, today: dt.date) -> list[Panel]:
    """For operations (every cell) and inspection-team members (their function's cells, R5b): the quarter's finalised /
    total cells, a progress bar and the discrepancy count (fixed queries)."""
    if not (can_operate(scope) or scope.inspected_functions):
        return []
    quarter = default_quarter(today=today)
    board = quarter_board(quarter=quarter, scope=scope, today=today)
    return [Panel("audits/home_inspections.html", {"board": board}, order=20)]
