"""The publication lock a quarter carries: once its first version is published, nothing upstream of the results
(self-checks, inspections, imports) may change that quarter any more; it is only amended (SPEC §7).

The results live in the scoring app, above the apps that must ask. So the question is asked here and answered by the
app that owns the answer: scoring registers its check from AppConfig.ready (`register_publication_check`).
"""

from __future__ import annotations

from collections.abc import Callable

from .dates import Quarter

PublicationCheck = Callable[[Quarter], bool]
_checks: list[PublicationCheck] = []


def register_publication_check(check: PublicationCheck) -> None:
    """Add a check that says whether a quarter is locked (called once per app, from AppConfig.ready)."""
    if check not in _checks:
        _checks.append(check)


def quarter_is_published(quarter: Quarter) -> bool:
    """A quarter is open until its first version is published; after that it is never edited, only amended (SPEC §7)."""
    return any(check(quarter) for check in _checks)
