"""The home page is made of panels contributed by each app, so every role sees what it has to do now (SPEC §1).

A provider is `panels(*, request, scope, today) -> list[Panel]`; it must use a fixed number of queries. Each app
registers its providers from its AppConfig.ready (`register_panels`), so this module names no app above it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from .access import Scope


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 50


PanelProvider = Callable[..., list[Panel]]
_providers: list[PanelProvider] = []


def register_panels(provider: PanelProvider) -> None:
    """Add an app's panel provider; registering the same one twice has no effect."""
    if provider not in _providers:
        _providers.append(provider)


def home_panels(*, request: HttpRequest, scope: Scope, today: dt.date) -> list[Panel]:
    panels: list[Panel] = []
    for provider in _providers:
        panels.extend(provider(request=request, scope=scope, today=today))
    return sorted(panels, key=lambda p: p.order)
