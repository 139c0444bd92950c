"""Posting a published quarter result to the ledger (R12, R13, R15; SPEC §7)."""

from __future__ import annotations

from django.db import transaction

from scoring.models import QuarterResult

from .models import LedgerEntry


@transaction.atomic(savepoint=False)
def ledger_post_result(*, result: QuarterResult) -> list[LedgerEntry]:
    """Create one entry per unit with money in `result`; if it supersedes a version, reverse that version's live entries.

    Entries are never edited: an amendment reverses every live entry of the superseded version (an entry of the opposite
    amount pointing at it) and posts the new version's entries afresh. Atomic, without a savepoint of its own inside
    the publication's transaction: a posting that fails rolls the whole publication back (scoring.postings).
    """
    rows: list[LedgerEntry] = []
    if result.supersedes_id is not None:
        live = LedgerEntry.objects.filter(result_id=result.supersedes_id, reverses__isnull=True, reversed_by__isnull=True)
        # of=("self",): PostgreSQL cannot lock the nullable side of the outer join that `reversed_by__isnull` needs.
        for entry in live.select_for_update(of=("self",)):
            rows.append(
                LedgerEntry(
                    result=result,
                    unit_result_id=entry.unit_result_id,
                    year=entry.year,
                    quarter=entry.quarter,
                    unit_kind=entry.unit_kind,
                    unit_code=entry.unit_code,
                    unit_name=entry.unit_name,
                    amount=-entry.amount,
                    settlement=entry.settlement,
                    reverses=entry,
                )
            )
    for unit in result.units.exclude(amount=0).order_by("kind", "rank", "code"):
        rows.append(
            LedgerEntry(
                result=result,
                unit_result=unit,
                year=result.year,
                quarter=result.quarter,
                unit_kind=unit.kind,
                unit_code=unit.code,
                unit_name=unit.name,
                amount=unit.amount,
                settlement=unit.settlement,
            )
        )
    # One INSERT whatever the number of units: publication keeps a fixed query count.
    return LedgerEntry.objects.bulk_create(rows)
