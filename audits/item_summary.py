"""A checklist's item count, total weight and codes, stored on the SelfCheck when it is generated.

The quarter board needs, per cell, how many distinct touchpoints the quarter's checklists hold; counting them over every
self-check item of the quarter on every view cost a 44 ms query. Items are created only with their checklist, so the
summary is written once, in the same transaction, and read as three plain columns.
"""

from __future__ import annotations

from collections.abc import Iterable

from .models import SelfCheck


def item_summary(items: Iterable[tuple[str, int]]) -> dict[str, object]:
    """The stored summary from (code, weight) pairs: count, Σweight and the sorted codes separated by spaces."""
    pairs = list(items)
    return {
        "item_count": len(pairs),
        "item_weight": sum(weight for _code, weight in pairs),
        "item_codes": " ".join(sorted(code for code, _weight in pairs)),
    }


def quarter_code_count(code_lists: Iterable[str]) -> int:
    """How many distinct codes a cell's checklists of a quarter hold, from their stored `item_codes`."""
    lists = [codes for codes in code_lists if codes]
    if not lists:
        return 0
    if all(codes == lists[0] for codes in lists):
        return len(lists[0].split())
    return len({code for codes in lists for code in codes.split()})


def selfcheck_store_item_summary(*, selfcheck: SelfCheck) -> SelfCheck:
    """Write the summary from the checklist's items as they are in the database (builders, repairs)."""
    summary = item_summary(selfcheck.items.values_list("code", "weight"))
    SelfCheck.objects.filter(pk=selfcheck.pk).update(**summary)
    for name, value in summary.items():
        setattr(selfcheck, name, value)
    return selfcheck
