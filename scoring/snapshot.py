"""The frozen snapshot of a published quarter: plain JSON data and its canonical serialisation (SPEC §7).

The serialisation is what `scoring.signing` signs with HMAC-SHA256.

The snapshot holds everything the publication decided, so a version can be read, exported and re-checked without
anything upstream (inspections, catalogue, bands, policy) that may change later:

    {"format": 1, "quarter": "2026Q1", "year": 2026, "number": 1, "version": 1, "supersedes": null,
     "published_at": "2026-04-10T09:00:00+08:00", "published_by": "10001", "reason": "",
     "policy": {"effective_from": "2016-04-01", "amount": 3000, "reward_above_percent": "90.00",
                "penalty_below_percent": "60.00"},
     "bands": [{"label": "A", "min_percent": "90.00"}, …], "cap_grade": "B-",
     "confirmed_missing": [{"project": "HK", "function": "property"}],
     "units": [{"kind": "function", "code": "design", "name": "研发", "done": 10, "applicable": 10,
                "score": {"numerator": 1, "denominator": 1}, "percent": "100.00", "rank": 1, "grade": "A",
                "low": false, "amount": 3000, "settlement": "team"}, …],
     "cells": [{"project": "GG", "function": "marketing", "done": 8, "applicable": 9, "percent": "88.89"}, …]}

Canonical JSON: keys sorted, no whitespace, UTF-8, and no floating-point number anywhere (exact scores are integer
fractions, percentages and thresholds are decimal strings), so the same data always gives the same bytes and digest,
whatever database stored it (PostgreSQL's jsonb reorders keys; sorting makes that harmless).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

from . import engine

SNAPSHOT_FORMAT = 1


def _check_exact(value: Any, path: str = "$") -> None:
    """Refuse anything JSON would not round-trip exactly: floats above all (SPEC §5 "Exactness")."""
    if isinstance(value, float):
        raise TypeError(f"{path}: floating-point numbers are not allowed in a snapshot ({value!r})")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{path}: keys must be strings ({key!r})")
            _check_exact(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_exact(item, f"{path}[{index}]")
    elif value is not None and not isinstance(value, str | int | bool):
        raise TypeError(f"{path}: {type(value).__name__} is not plain JSON data")


def canonical_json(data: Mapping[str, Any]) -> bytes:
    """The one serialisation the digest is taken of: sorted keys, compact separators, UTF-8, no floats."""
    _check_exact(data)
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def digest_of(data: Mapping[str, Any]) -> str:
    """Plain SHA-256 (hex) of the canonical JSON of a snapshot: what versions published before keys store.

    Published versions are signed with `scoring.signing.sign` (HMAC-SHA256); a plain digest never verifies (SPEC §7)."""
    return hashlib.sha256(canonical_json(data)).hexdigest()


def decimal_text(value: Decimal | int | Fraction) -> str:
    """An exact percentage or threshold as text with two decimals (values here always have at most two)."""
    exact = Decimal(value) if not isinstance(value, Fraction) else Decimal(value.numerator) / Decimal(value.denominator)
    return str(exact.quantize(Decimal("0.01")))


def score_data(score: Fraction | None) -> dict[str, int] | None:
    return None if score is None else {"numerator": score.numerator, "denominator": score.denominator}


def unit_data(result: engine.UnitResult, *, name: str, low: bool) -> dict[str, Any]:
    """One unit of the engine's outcome as snapshot data."""
    return {
        "kind": str(result.unit.kind),
        "code": result.unit.code,
        "name": name,
        "done": result.done,
        "applicable": result.applicable,
        "score": score_data(result.score),
        "percent": None if result.percent_display is None else str(result.percent_display),
        "rank": result.rank,
        "grade": result.grade,
        "low": low,
        "amount": result.amount,
        "settlement": None if result.settlement is None else str(result.settlement),
    }


def cell_data(cell: engine.CellTally) -> dict[str, Any]:
    percent = engine.percent_of(cell.done_weight, cell.applicable_weight) if cell.applicable_weight else None
    return {
        "project": cell.project,
        "function": cell.function,
        "done": cell.done_weight,
        "applicable": cell.applicable_weight,
        "percent": None if percent is None else str(percent),
    }


def bands_data(bands: Sequence[engine.GradeBand]) -> list[dict[str, str]]:
    return [{"label": band.label, "min_percent": decimal_text(band.min_percent)} for band in bands]


def bands_from(data: Mapping[str, Any]) -> tuple[engine.GradeBand, ...]:
    """The grade bands a snapshot recorded, back as engine bands."""
    return tuple(engine.GradeBand(band["label"], Decimal(band["min_percent"])) for band in data["bands"])


def policy_from(data: Mapping[str, Any]) -> engine.Policy:
    """The policy a snapshot recorded, back as the engine's policy."""
    policy = data["policy"]
    return engine.Policy(
        amount=policy["amount"],
        reward_above_percent=Decimal(policy["reward_above_percent"]),
        penalty_below_percent=Decimal(policy["penalty_below_percent"]),
    )


def cells_from(data: Mapping[str, Any]) -> list[engine.CellTally]:
    return [engine.CellTally(c["project"], c["function"], c["done"], c["applicable"]) for c in data["cells"]]
