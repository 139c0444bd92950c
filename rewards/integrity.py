"""The ledger's part of `verify_results` (SPEC §7): every entry checked against the published version it came from.

An original entry must be exactly the money of one unit of its version's signed snapshot (amount, settlement, unit,
quarter); a reversal must undo exactly one live entry of the version its own version supersedes; every unit with money
has exactly one entry, and every entry of a superseded version is reversed exactly once. A filed split's parts must
still sum to its entry. Registered with `scoring.services.register_verifier` (rewards.apps), so scoring never imports
the ledger. Four queries whatever the size of the ledger.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext as _

from scoring.models import QuarterResult
from scoring.services import Mismatch

from .choices import SplitState
from .models import LedgerEntry, Split


def _label(entry: LedgerEntry) -> str:
    return _("台账条目 #{id}({unit})").format(id=entry.pk, unit=f"{entry.unit_kind}:{entry.unit_code}")


def _check_original(entry: LedgerEntry, result: QuarterResult, units: dict[tuple[str, str], dict[str, Any]]) -> list[str]:
    problems = []
    unit = units.get((entry.unit_kind, entry.unit_code))
    if unit is None:
        return [_("{entry}:所属版本的快照中没有该单元").format(entry=_label(entry))]
    expected = {
        "amount": unit.get("amount"),
        "settlement": unit.get("settlement"),
        "unit_name": unit.get("name"),
        "year": result.year,
        "quarter": result.quarter,
    }
    for field, value in expected.items():
        found = getattr(entry, field)
        if found != value:
            problems.append(
                _("{entry}:{field} 为 {found},所属版本为 {value}").format(
                    entry=_label(entry), field=field, found=found, value=value
                )
            )
    if entry.unit_result_id is not None and entry.unit_result.result_id != entry.result_id:
        problems.append(_("{entry}:单元结果不属于所属版本").format(entry=_label(entry)))
    return problems


def _check_reversal(entry: LedgerEntry, result: QuarterResult, originals: dict[int, LedgerEntry]) -> list[str]:
    reversed_entry = originals.get(entry.reverses_id)
    if reversed_entry is None:
        return [_("{entry}:冲销的条目 #{id} 不是原始条目").format(entry=_label(entry), id=entry.reverses_id)]
    problems = []
    if result.supersedes_id is None or reversed_entry.result_id != result.supersedes_id:
        problems.append(_("{entry}:冲销的条目不属于本版本所替代的版本").format(entry=_label(entry)))
    if entry.amount != -reversed_entry.amount:
        problems.append(
            _("{entry}:冲销金额 {amount} 不等于原条目金额 {original} 的相反数").format(
                entry=_label(entry), amount=entry.amount, original=reversed_entry.amount
            )
        )
    for field in ("settlement", "unit_kind", "unit_code", "year", "quarter"):
        if getattr(entry, field) != getattr(reversed_entry, field):
            problems.append(_("{entry}:{field} 与被冲销的条目不一致").format(entry=_label(entry), field=field))
    return problems


def ledger_verify() -> list[Mismatch]:
    """Every mismatch between the ledger and the published versions (SPEC §7); empty when all is well."""
    results = {r.pk: r for r in QuarterResult.objects.only("id", "year", "quarter", "version", "supersedes_id", "snapshot")}
    entries = list(LedgerEntry.objects.select_related("unit_result").order_by("id"))
    originals = {e.pk: e for e in entries if e.reverses_id is None}
    mismatches: list[Mismatch] = []
    seen_units: dict[int, Counter] = defaultdict(Counter)
    reversed_ids: Counter = Counter()
    for entry in entries:
        result = results[entry.result_id]
        units = {(u.get("kind"), u.get("code")): u for u in (result.snapshot or {}).get("units", [])}
        if entry.reverses_id is None:
            seen_units[result.pk][(entry.unit_kind, entry.unit_code)] += 1
            problems = _check_original(entry, result, units)
        else:
            reversed_ids[entry.reverses_id] += 1
            problems = _check_reversal(entry, result, originals)
        mismatches.extend(Mismatch(str(result), problem) for problem in problems)
    for result in sorted(results.values(), key=lambda r: (r.year, r.quarter, r.version)):
        money = {(u.get("kind"), u.get("code")) for u in (result.snapshot or {}).get("units", []) if u.get("amount")}
        counted = seen_units.get(result.pk, Counter())
        for kind, code in sorted(money):
            if counted[(kind, code)] != 1:
                mismatches.append(
                    Mismatch(
                        str(result),
                        _("单元 {unit} 有奖惩,但台账中有 {n} 条原始条目(应为 1 条)").format(
                            unit=f"{kind}:{code}", n=counted[(kind, code)]
                        ),
                    )
                )
        if result.supersedes_id is not None:
            for original in (e for e in originals.values() if e.result_id == result.supersedes_id):
                if reversed_ids[original.pk] != 1:
                    mismatches.append(Mismatch(str(result), _("被替代版本的{entry}未被冲销").format(entry=_label(original))))
    sums = dict(
        Split.objects.filter(state=SplitState.FILED).annotate(total=Sum("parts__amount")).values_list("entry_id", "total")
    )
    for entry_id, total in sums.items():
        entry = originals.get(entry_id)
        if entry is not None and total != entry.amount:
            mismatches.append(
                Mismatch(
                    str(results[entry.result_id]),
                    _("{entry}:已备案分配合计 {total} 不等于条目金额 {amount}").format(
                        entry=_label(entry), total=total, amount=entry.amount
                    ),
                )
            )
    return mismatches
