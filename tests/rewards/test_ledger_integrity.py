"""The ledger is append-only and a filed split is final, through the ORM and in the database itself; verify_results
checks every ledger entry against the published version it came from (SPEC §7, §8)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from rewards.choices import SplitState
from rewards.integrity import ledger_verify
from rewards.models import LedgerEntry, LedgerFrozen, Split, SplitPart
from rewards.services import split_file, split_review, split_save
from scoring.models import ResultFrozen
from scoring.services import quarter_amend, quarter_publish, results_verify
from tests.scoring.builders import Q1, after, build_worked_example

pytestmark = pytest.mark.django_db

LEDGER_TABLES = ("rewards_ledgerentry", "rewards_splitevent", "rewards_split", "rewards_splitpart")


@pytest.fixture
def filed(people, ledger) -> Split:
    """GG's +3000 split among three people, submitted, reviewed and filed (R14)."""
    with time_machine.travel(dt.datetime(2026, 4, 15, 10, tzinfo=dt.UTC), tick=False):
        split = split_save(
            entry=ledger.gg,
            user=people.user("director"),
            parts=[(people.director.pk, 1200), (people.lead.pk, 1000), (ledger.member.pk, 800)],
            submit=True,
        )
        split = split_review(split=split, user=people.user("inspector"))
        split = split_file(split=split, user=people.user("hr"))
    assert split.state == SplitState.FILED
    return split


def _raw(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def _drop_triggers() -> None:
    """What an attacker with DDL rights could do: drop every trigger (rolled back with the test)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in (*LEDGER_TABLES, "scoring_quarterresult", "scoring_unitresult"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table}")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP TRIGGER "{name}"')


def test_the_orm_refuses_to_change_or_delete_a_ledger_entry(ledger) -> None:
    entry = LedgerEntry.objects.get(pk=ledger.gg.pk)
    entry.amount = 30000
    with pytest.raises(ResultFrozen):  # the refusal of every frozen record (scoring.models.FrozenModel)
        entry.save()
    with pytest.raises(ResultFrozen):
        entry.delete()
    with pytest.raises(ResultFrozen):
        LedgerEntry.objects.filter(pk=ledger.gg.pk).update(amount=999)
    with pytest.raises(ResultFrozen):
        LedgerEntry.objects.filter(pk=ledger.marketing.pk).delete()
    with pytest.raises(ResultFrozen):
        LedgerEntry.objects.bulk_update([entry], ["amount"])
    assert LedgerEntry.objects.get(pk=ledger.gg.pk).amount == 3000
    assert LedgerEntry.objects.count() == 3
    assert ledger_verify() == []


def test_the_orm_refuses_to_change_a_filed_split_or_its_parts(people, ledger, filed) -> None:
    split = Split.objects.get(pk=filed.pk)
    split.state = SplitState.DRAFT
    with pytest.raises(LedgerFrozen):
        split.save()
    with pytest.raises(LedgerFrozen):
        split.delete()
    with pytest.raises(LedgerFrozen):
        Split.objects.filter(pk=filed.pk).update(state=SplitState.DRAFT)
    with pytest.raises(LedgerFrozen):
        Split.objects.all().delete()
    part = split.parts.first()
    part.amount = 1
    with pytest.raises(LedgerFrozen):
        part.save()
    with pytest.raises(LedgerFrozen):
        part.delete()
    with pytest.raises(LedgerFrozen):
        SplitPart.objects.filter(split=filed).update(amount=1)
    with pytest.raises(LedgerFrozen):
        SplitPart.objects.filter(split=filed).delete()
    with pytest.raises(LedgerFrozen):
        SplitPart.objects.bulk_update([part], ["amount"])
    with pytest.raises(LedgerFrozen):
        SplitPart.objects.create(split=split, person=people.head, amount=1)
    assert Split.objects.get(pk=filed.pk).state == SplitState.FILED
    assert sorted(SplitPart.objects.filter(split=filed).values_list("amount", flat=True)) == [800, 1000, 1200]


def test_a_split_not_yet_filed_still_moves(people, ledger) -> None:
    with time_machine.travel(dt.datetime(2026, 4, 15, 10, tzinfo=dt.UTC), tick=False):
        split = split_save(entry=ledger.gg, user=people.user("director"), parts=[(people.director.pk, 3000)])
        split = split_save(
            entry=ledger.gg, user=people.user("director"), parts=[(people.director.pk, 2000), (people.lead.pk, 1000)]
        )
    assert sorted(split.parts.values_list("amount", flat=True)) == [1000, 2000]
    _raw("UPDATE rewards_split SET updated_at = updated_at WHERE id = %s", [split.pk])  # the database allows it too


def test_raw_sql_cannot_update_the_ledger_or_a_filed_split_on_sqlite(people, ledger, filed) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the PostgreSQL variant is the next test")
    part = filed.parts.first()
    for sql, params in (
        ("UPDATE rewards_ledgerentry SET amount = 30000 WHERE id = %s", [ledger.gg.pk]),
        ("UPDATE rewards_split SET state = 'draft' WHERE id = %s", [filed.pk]),
        ("UPDATE rewards_splitpart SET amount = 1 WHERE id = %s", [part.pk]),
        ("UPDATE rewards_splitevent SET comment = 'x' WHERE split_id = %s", [filed.pk]),
        (
            "INSERT INTO rewards_splitpart (split_id, person_id, amount, settlement) VALUES (%s, %s, 1, 'team')",
            [filed.pk, people.head.pk],
        ),
    ):
        with pytest.raises(DatabaseError, match="immutable"):
            _raw(sql, params)
    assert LedgerEntry.objects.get(pk=ledger.gg.pk).amount == 3000
    assert ledger_verify() == []


def test_raw_sql_cannot_update_or_delete_the_ledger_or_a_filed_split_on_postgresql(postgres, people, ledger, filed) -> None:
    part = filed.parts.first()
    for sql, params in (
        ("UPDATE rewards_ledgerentry SET amount = 30000 WHERE id = %s", [ledger.gg.pk]),
        ("DELETE FROM rewards_ledgerentry WHERE id = %s", [ledger.property.pk]),
        ("UPDATE rewards_split SET state = 'draft' WHERE id = %s", [filed.pk]),
        ("DELETE FROM rewards_split WHERE id = %s", [filed.pk]),
        ("UPDATE rewards_splitpart SET amount = 1 WHERE id = %s", [part.pk]),
        ("DELETE FROM rewards_splitpart WHERE id = %s", [part.pk]),
        ("UPDATE rewards_splitevent SET comment = 'x' WHERE split_id = %s", [filed.pk]),
        ("DELETE FROM rewards_splitevent WHERE split_id = %s", [filed.pk]),
        (
            "INSERT INTO rewards_splitpart (split_id, person_id, amount, settlement) VALUES (%s, %s, 1, 'team')",
            [filed.pk, people.head.pk],
        ),
    ):
        with pytest.raises(DatabaseError, match="immutable"):
            _raw(sql, params)
    assert LedgerEntry.objects.count() == 3
    assert SplitPart.objects.filter(split=filed).count() == 3
    assert ledger_verify() == []


@pytest.fixture
def published(people):
    """SPEC §12 published for real (signed, posted to the ledger), then amended so the ledger holds reversals."""
    build_worked_example()
    with time_machine.travel(after(Q1), tick=False):
        return quarter_publish(quarter=Q1, user=people.inspector.user)


def test_verify_results_passes_on_a_clean_ledger(published, capsys) -> None:
    assert LedgerEntry.objects.filter(result=published).count() == 3
    assert results_verify() == []
    call_command("verify_results")
    assert "全部一致" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("UPDATE rewards_ledgerentry SET amount = 30000 WHERE unit_code = 'engineering'", "amount 为 30000,所属版本为 -3000"),
        (
            "UPDATE rewards_ledgerentry SET settlement = 'service_fee' WHERE unit_code = 'engineering'",
            "settlement 为 service_fee,所属版本为 team",
        ),
        ("UPDATE rewards_ledgerentry SET quarter = 2 WHERE unit_code = 'engineering'", "quarter 为 2,所属版本为 1"),
        ("UPDATE rewards_ledgerentry SET unit_code = 'design' WHERE unit_code = 'engineering'", "有奖惩,但台账中有 0 条"),
        ("DELETE FROM rewards_ledgerentry WHERE unit_code = 'engineering'", "function:engineering 有奖惩,但台账中有 0 条"),
    ],
)
def test_verify_results_finds_a_tampered_ledger_entry(published, sql, expected) -> None:
    _drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute(sql)
    problems = [m.problem for m in results_verify()]
    assert any(expected in p for p in problems), problems
    with pytest.raises(CommandError, match="处不符"):
        call_command("verify_results")


def test_verify_results_checks_the_reversal_chain_of_an_amendment(people, published) -> None:
    from audits.models import InspectionItem

    InspectionItem.objects.filter(inspection__project__code="HK", inspection__function="engineering").update(verdict="done")
    with time_machine.travel(after(Q1), tick=False):
        amended = quarter_amend(quarter=Q1, user=people.inspector.user, reason="工程复核")
    reversals = LedgerEntry.objects.filter(result=amended, reverses__isnull=False)
    assert reversals.count() == 3
    assert results_verify() == []

    _drop_triggers()
    reversal = reversals.get(unit_code="engineering")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE rewards_ledgerentry SET amount = 0 WHERE id = %s", [reversal.pk])
    problems = [m.problem for m in results_verify()]
    assert any("冲销金额 0 不等于原条目金额 -3000 的相反数" in p for p in problems), problems
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM rewards_ledgerentry WHERE id = %s", [reversal.pk])
    problems = [m.problem for m in results_verify()]
    assert any("未被冲销" in p for p in problems), problems


def test_verify_results_finds_a_filed_split_whose_parts_no_longer_sum(people, ledger, filed) -> None:
    assert ledger_verify() == []
    _drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE rewards_splitpart SET amount = 30000 WHERE id = %s", [filed.parts.first().pk])
    assert [m.problem for m in ledger_verify()] == [
        f"台账条目 #{ledger.gg.pk}(project:GG):已备案分配合计 32000 不等于条目金额 3000"
    ]
