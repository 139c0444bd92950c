"""Login throttling with one limit per lockout parameter (password spraying).

django-axes compares the largest failure count over its lockout parameters with one limit. Here each parameter has
its own: AXES_FAILURE_LIMIT for a username from an address, AXES_IP_FAILURE_LIMIT for an address across every
username. Counts are scaled onto AXES_FAILURE_LIMIT so axes' own comparison (`failures >= AXES_FAILURE_LIMIT`) holds
exactly when one parameter reaches its own limit: floor(n · base / limit) >= base ⇔ n >= limit.
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_lockout_parameters
from django.conf import settings
from django.db.models import Sum


def limit_for(parameter: str | list[str]) -> int:
    """The failure limit of one lockout parameter (a name or a list of names counted together)."""
    if parameter == "ip_address" or parameter == ["ip_address"]:
        return settings.AXES_IP_FAILURE_LIMIT
    return settings.AXES_FAILURE_LIMIT


class PerParameterLimitHandler(AxesDatabaseHandler):
    """axes' database handler, with each lockout parameter counted against its own limit."""

    def get_failures(self, request, credentials=None) -> int:
        base = settings.AXES_FAILURE_LIMIT
        parameters = get_lockout_parameters(request, credentials)
        scaled = [0]
        for parameter, attempts in zip(parameters, self.get_user_attempts(request, credentials), strict=True):
            failures = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            scaled.append(failures * base // limit_for(parameter))
        return max(scaled)
