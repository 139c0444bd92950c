"""Home-page panels of this part of the product (see core.home): the user's newest unread reminders."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest

from core.access import Scope
from core.home import Panel

from .selectors import latest_unread

PANEL_ORDER = 5  # what the product asks of you now comes first


def panels(*, request: HttpRequest, scope: Scope, today: dt.date) -> list[Panel]:
    """One query: up to five unread notifications; no panel when there are none."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    notifications = latest_unread(user=user)
    if not notifications:
        return []
    return [Panel("notifications/home_panel.html", {"notifications": notifications}, order=PANEL_ORDER)]
