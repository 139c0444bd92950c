"""Home-page panels of this part of the product (see touchpoints.home)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest

from touchpoints.access import Scope
from touchpoints.home import Panel


def panels(*, request: HttpRequest, scope: Scope, today: dt.date) -> list[Panel]:
    return []
