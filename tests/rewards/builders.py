"""Published quarter results and ledger entries built directly (what publication would freeze), for the rewards tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from rewards.ledger import ledger_post_result
from rewards.models import LedgerEntry
from scoring.choices import Settlement, UnitKind
from scoring.models import QuarterResult, UnitResult
from tests.factories import AssignmentFactory, PersonFactory
from touchpoints.choices import Function, Role
from touchpoints.models import Person


@dataclass(frozen=True)
class Unit:
    """One unit's frozen result: kind, code, name, score as done/applicable, grade, rank, money."""

    kind: str
    code: str
    name: str
    done: int = 9
    applicable: int = 10
    rank: int | None = 1
    grade: str = "A"
    amount: int = 0
    settlement: str = ""

    @property
    def low(self) -> bool:
        return self.grade in ("B-", "C")


def reward(kind: str, code: str, name: str, amount: int = 3000, settlement: str = Settlement.TEAM) -> Unit:
    if amount > 0:
        return Unit(kind, code, name, done=95, applicable=100, rank=1, grade="A", amount=amount, settlement=settlement)
    return Unit(kind, code, name, done=50, applicable=100, rank=5, grade="C", amount=amount, settlement=settlement)


def snapshot_of(year: int, quarter: int, version: int, units: list[Unit]) -> dict:
    """The published snapshot in scoring's format (scoring/snapshot.py), enough for the scoring exports to read."""

    def percent(u: Unit) -> str:
        return str((Decimal(u.done) * 100 / Decimal(u.applicable)).quantize(Decimal("0.01")))

    return {
        "format": 1,
        "quarter": f"{year}Q{quarter}",
        "year": year,
        "number": quarter,
        "version": version,
        "units": [
            {
                "kind": u.kind,
                "code": u.code,
                "name": u.name,
                "done": u.done,
                "applicable": u.applicable,
                "score": {"numerator": u.done, "denominator": u.applicable},
                "percent": percent(u),
                "rank": u.rank,
                "grade": u.grade,
                "low": u.low,
                "amount": u.amount,
                "settlement": u.settlement or None,
            }
            for u in units
        ],
        "cells": [
            {"project": u.code, "function": "marketing", "done": u.done, "applicable": u.applicable, "percent": percent(u)}
            for u in units
            if u.kind == UnitKind.PROJECT
        ],
    }


def publish(
    year: int, quarter: int, units: list[Unit], *, version: int = 1, supersedes: QuarterResult | None = None
) -> QuarterResult:
    """A published version of a quarter with its unit rows, posted to the ledger as publication does."""
    result = QuarterResult.objects.create(
        year=year,
        quarter=quarter,
        version=version,
        published_at=timezone.make_aware(dt.datetime(year + (quarter == 4), quarter % 4 * 3 + 1, 10, 9)),
        snapshot=snapshot_of(year, quarter, version, units),
        digest="0" * 64,
        supersedes=supersedes,
        reason="" if supersedes is None else "修订",
    )
    UnitResult.objects.bulk_create(
        UnitResult(
            result=result,
            kind=u.kind,
            code=u.code,
            name=u.name,
            done=u.done,
            applicable=u.applicable,
            assessed=True,
            rank=u.rank,
            grade=u.grade,
            low=u.low,
            amount=u.amount,
            settlement=u.settlement,
        )
        for u in units
    )
    ledger_post_result(result=result)
    return result


@dataclass
class Ledger:
    """2026Q1 as published: GG earns the project reward, marketing is fined, property earns through its service fee."""

    q1: QuarterResult
    gg: LedgerEntry  # +3000 team, project GG
    marketing: LedgerEntry  # -3000 team, function marketing
    property: LedgerEntry  # +3000 service fee (R15)
    member: Person  # GG team member in Q1
    former: Person  # GG team member who left before Q1
    marketing_member: Person  # marketing function team member in Q1


def build_ledger(people) -> Ledger:
    """The named people of tests.factories plus team members, and 2026Q1 published with three entries."""
    member = AssignmentFactory(
        person__name="陈晨", role=Role.TEAM_MEMBER, project=people.project, start=dt.date(2025, 6, 1)
    ).person
    former = AssignmentFactory(
        person__name="离职者", role=Role.TEAM_MEMBER, project=people.project, start=dt.date(2024, 1, 1), end=dt.date(2025, 12, 31)
    ).person
    marketing_member = AssignmentFactory(
        person__name="王芳", role=Role.TEAM_MEMBER, function=Function.MARKETING, start=dt.date(2025, 1, 1)
    ).person
    q1 = publish(
        2026,
        1,
        [
            reward(UnitKind.PROJECT, "GG", "东原·光谷印", 3000),
            reward(UnitKind.FUNCTION, "marketing", "营销", -3000),
            reward(UnitKind.FUNCTION, "property", "物业", 3000, Settlement.SERVICE_FEE),
            Unit(UnitKind.PROJECT, "HK", "东原·汉口时光道", rank=2, grade="B+"),
        ],
    )
    entries = {e.unit_code: e for e in LedgerEntry.objects.filter(result=q1)}
    return Ledger(q1, entries["GG"], entries["marketing"], entries["property"], member, former, marketing_member)


def many_people(project, count: int, start: dt.date = dt.date(2025, 1, 1)) -> list[Person]:
    """`count` team members of a project, for query-count and size tests."""
    return [
        AssignmentFactory(person=PersonFactory(), role=Role.TEAM_MEMBER, project=project, start=start).person
        for _ in range(count)
    ]
