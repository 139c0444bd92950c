"""Home-page panel of rectifications (see core.home): the lead's own with due dates and 逾期, the director's and
head's units', and operations' queue of submitted fixes to verify. Fixed number of queries."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest

from core import access
from core.access import Scope
from core.home import Panel

from . import selectors
from .choices import RectificationState
from .models import Rectification


def panels(*, request: HttpRequest, scope: Scope, today: dt.date) -> list[Panel]:
    if not access.can_read_rectifications(scope):
        return []
    mine = selectors.my_rectifications(scope=scope, today=today)
    mine_ids = {row.rect.pk for row in mine}
    units = [row for row in selectors.unit_rectifications(scope=scope, today=today) if row.rect.pk not in mine_ids]
    to_verify = 0
    if access.can_verify_every_rectification(scope):
        to_verify = Rectification.objects.filter(state=RectificationState.SUBMITTED).count()
    if not (mine or units or to_verify):
        return []
    return [
        Panel(
            "audits/rectifications/home.html",
            {"mine": mine, "units": units, "to_verify": to_verify, "overdue": sum(1 for r in mine + units if r.overdue)},
            order=15,
        )
    ]
