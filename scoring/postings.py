"""What else a published version is filed into, in the publication's own transaction (SPEC §7).

The ledger lives in the rewards app, above scoring, so scoring does not call it by name: rewards registers its posting
from AppConfig.ready (`register_result_posting`). A posting that raises rolls the whole publication back.
"""

from __future__ import annotations

from collections.abc import Callable

from .models import QuarterResult

ResultPosting = Callable[..., object]  # posting(*, result) -> anything
_postings: list[ResultPosting] = []


def register_result_posting(posting: ResultPosting) -> None:
    if posting not in _postings:
        _postings.append(posting)


def result_post(*, result: QuarterResult) -> None:
    """File the new version everywhere it must go (the ledger: R12, R13, R15); called inside the publication."""
    for posting in _postings:
        posting(result=result)
