"""Home-page panels of the quarterly inspections (see core.home): operations' inspection progress."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest

from core.access import Scope
from core.home import Panel

from .selectors import default_quarter, quarter_board


def panels(*, request: HttpRequest, scope: Scope, today: dt.date) -> list[Panel]:
    """For operations: the quarter's finalised / total cells, a progress bar and the discrepancy count (fixed queries)."""
    if not scope.can_operate:
        return []
    quarter = default_quarter(today=today)
    board = quarter_board(quarter=quarter, scope=scope, today=today)
    return [Panel("audits/home_inspections.html", {"board": board}, order=20)]
