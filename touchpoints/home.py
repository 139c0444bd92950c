"""The home page is made of panels contributed by each app, so every role sees what it has to do now (SPEC §1).

A provider is `panels(*, request, scope, today) -> list[Panel]`; it must use a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.http import HttpRequest

from .access import Scope

PANEL_PROVIDERS = (
    "audits.home_selfchecks.panels",
    "audits.home_inspections.panels",
    "audits.rectifications.home.panels",
    "scoring.plans.home_panels",
    "scoring.home.panels",
    "rewards.home.panels",
    "notifications.home.panels",
)


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 50


def home_panels(*, request: HttpRequest, scope: Scope, today: dt.date) -> list[Panel]:
    panels: list[Panel] = []
    for dotted in PANEL_PROVIDERS:
        module, name = dotted.rsplit(".", 1)
        panels.extend(getattr(import_module(module), name)(request=request, scope=scope, today=today))
    return sorted(panels, key=lambda p: p.order)
