"""What the quarter board reads of checklists and inspections, stored when their items are written.

A checklist's item count, total weight and codes are stored on the SelfCheck when it is generated.

The quarter board needs, per cell, how many distinct touchpoints the quarter's checklists hold; counting them over every
self-check item of the quarter on every view cost a 44 ms query. Items are created only with their checklist, so the
summary is written once, in the same transaction, and read as three plain columns.

An inspection's item count, answered items and discrepancies (虚报) are stored on the Inspection by every service that
writes its items (`inspection_store_tally`, in the same transaction, after locking the inspection). The board read them
with three correlated counts over the quarter's 12,000 items: 15–18 ms of its 28 ms in the database. The not-done
items are stored the same way for the bulletin's rectification summary, which counted them over the same 12,000 items
(9–13 ms, 7.9× the empty view).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from .choices import ItemStatus
from .models import Inspection, InspectionItem, SelfCheck

ANSWERED_Q = ~Q(verdict="")
DISCREPANCY_Q = Q(claimed_status=ItemStatus.DONE, verdict=ItemStatus.NOT_DONE)
NOT_DONE_Q = Q(verdict=ItemStatus.NOT_DONE)


def item_summary(items: Iterable[tuple[str, int]]) -> dict[str, object]:
    """The stored summary from (code, weight) pairs: count, Σweight and the sorted codes separated by spaces."""
    pairs = list(items)
    return {
        "item_count": len(pairs),
        "item_weight": sum(weight for _code, weight in pairs),
        "item_codes": " ".join(sorted(code for code, _weight in pairs)),
    }


def quarter_code_count(code_lists: Iterable[str]) -> int:
    """How many distinct codes a cell's checklists of a quarter hold, from their stored `item_codes`. The months of a
    cell usually hold the same list: it is split once, not once per month."""
    distinct = {codes for codes in code_lists if codes}
    if len(distinct) <= 1:
        return len(distinct.pop().split()) if distinct else 0
    return len({code for codes in distinct for code in codes.split()})


def selfcheck_store_item_summary(*, selfcheck: SelfCheck) -> SelfCheck:
    """Write the summary from the checklist's items as they are in the database (builders, repairs)."""
    summary = item_summary(selfcheck.items.values_list("code", "weight"))
    SelfCheck.objects.filter(pk=selfcheck.pk).update(**summary)
    for name, value in summary.items():
        setattr(selfcheck, name, value)
    return selfcheck


def _item_tally(condition: Q) -> Coalesce:
    """How many of an inspection's items meet the condition (a correlated count, for an UPDATE of inspections)."""
    items = InspectionItem.objects.filter(condition, inspection=OuterRef("pk")).order_by().values("inspection")
    return Coalesce(Subquery(items.annotate(n=Count("*")).values("n")), 0)


def inspections_store_tally(inspections: QuerySet[Inspection]) -> int:
    """Recount and store the items, answered items, discrepancies and not-done items of the inspections (one UPDATE); returns how many.

    A recount, never an increment, so a stored tally cannot drift from the items whatever wrote them. Builders and
    repairs call it on many inspections; services go through `inspection_store_tally`.
    """
    return inspections.order_by().update(
        item_count=_item_tally(Q()),
        answered_count=_item_tally(ANSWERED_Q),
        discrepancy_count=_item_tally(DISCREPANCY_Q),
        not_done_count=_item_tally(NOT_DONE_Q),
    )


def inspection_store_tally(*, inspection: Inspection) -> None:
    """Recount one inspection's tally after its items changed, inside the writer's transaction.

    The inspection's row is locked first: two inspectors judging items of the same inspection at once are serialised
    here, so the second recount, a new statement under READ COMMITTED, sees the first one's committed item.
    """
    list(Inspection.objects.select_for_update().filter(pk=inspection.pk).order_by().values_list("pk"))
    inspections_store_tally(Inspection.objects.filter(pk=inspection.pk))
    stored = Inspection.objects.filter(pk=inspection.pk).values_list(
        "item_count", "answered_count", "discrepancy_count", "not_done_count"
    )
    inspection.item_count, inspection.answered_count, inspection.discrepancy_count, inspection.not_done_count = stored.get()
