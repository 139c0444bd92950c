"""A published result cannot be changed through the ORM, the admin or raw SQL; verify_results finds any tampering
(SPEC §7)."""

from __future__ import annotations

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from scoring.models import QuarterResult, ResultFrozen, UnitResult
from scoring.services import quarter_publish, results_verify

from .builders import Q1, after, build_worked_example

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(people) -> QuarterResult:
    build_worked_example()
    with time_machine.travel(after(Q1), tick=False):
        return quarter_publish(quarter=Q1, user=people.inspector.user)


def test_the_orm_refuses_every_change_and_deletion(published) -> None:
    result = QuarterResult.objects.get(pk=published.pk)
    result.reason = "悄悄改一下"
    with pytest.raises(ResultFrozen):
        result.save()
    with pytest.raises(ResultFrozen):
        result.delete()
    unit = result.units.get(code="engineering")
    unit.amount = 0
    with pytest.raises(ResultFrozen):
        unit.save()
    with pytest.raises(ResultFrozen):
        unit.delete()
    with pytest.raises(ResultFrozen):
        QuarterResult.objects.filter(pk=result.pk).update(digest="0" * 64)
    with pytest.raises(ResultFrozen):
        QuarterResult.objects.all().delete()
    with pytest.raises(ResultFrozen):
        result.units.update(amount=0)
    with pytest.raises(ResultFrozen):
        UnitResult.objects.filter(result=result).delete()
    with pytest.raises(ResultFrozen):
        UnitResult.objects.bulk_update([unit], ["amount"])
    assert UnitResult.objects.get(pk=unit.pk).amount == -3000
    assert results_verify() == []


def test_the_admin_shows_results_read_only_and_never_deletes(published, admin_client) -> None:
    change = admin_client.get(f"/admin/scoring/quarterresult/{published.pk}/change/")
    assert change.status_code == 200
    assert b'name="_save"' not in change.content
    assert admin_client.post(f"/admin/scoring/quarterresult/{published.pk}/change/", {"reason": "x"}).status_code == 403
    assert admin_client.get(f"/admin/scoring/quarterresult/{published.pk}/delete/").status_code == 403
    assert admin_client.post(f"/admin/scoring/quarterresult/{published.pk}/delete/", {"post": "yes"}).status_code == 403
    unit = published.units.first()
    assert admin_client.post(f"/admin/scoring/unitresult/{unit.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client.get("/admin/scoring/quarterresult/add/").status_code == 403
    assert QuarterResult.objects.get(pk=published.pk).reason == ""


def _raw(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_raw_sql_cannot_update_a_published_result_on_sqlite(published) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the PostgreSQL variant is the next test")
    with pytest.raises(DatabaseError, match="immutable"):
        _raw("UPDATE scoring_quarterresult SET digest = %s WHERE id = %s", ["0" * 64, published.pk])
    with pytest.raises(DatabaseError, match="immutable"):
        _raw("UPDATE scoring_unitresult SET amount = 0 WHERE result_id = %s", [published.pk])
    assert results_verify() == []


def test_raw_sql_cannot_update_or_delete_a_published_result_on_postgresql(postgres, published) -> None:
    for sql, params in (
        ("UPDATE scoring_quarterresult SET digest = %s WHERE id = %s", ["0" * 64, published.pk]),
        ("DELETE FROM scoring_quarterresult WHERE id = %s", [published.pk]),
        ("UPDATE scoring_unitresult SET amount = 0 WHERE result_id = %s", [published.pk]),
        ("DELETE FROM scoring_unitresult WHERE result_id = %s", [published.pk]),
    ):
        with pytest.raises(DatabaseError, match="immutable"):
            _raw(sql, params)
    assert UnitResult.objects.filter(result=published).count() == 7
    assert results_verify() == []


def _tamper(sql: str, params: list) -> None:
    """What an attacker with DDL rights could do: drop the trigger and edit (rolled back with the test)."""
    with connection.cursor() as cursor:
        for table in ("scoring_quarterresult", "scoring_unitresult"):
            suffix = f" ON {table}" if connection.vendor == "postgresql" else ""
            cursor.execute(f"DROP TRIGGER IF EXISTS {table}_immutable{suffix}")
        cursor.execute(sql, params)


def test_verify_results_finds_a_changed_unit_row(published) -> None:
    _tamper("UPDATE scoring_unitresult SET amount = 0 WHERE result_id = %s AND code = %s", [published.pk, "engineering"])
    mismatches = results_verify()
    assert [str(m) for m in mismatches] == ["2026Q1 v1: 单元 function:engineering 的 amount 为 0,快照为 -3000"]
    with pytest.raises(CommandError, match="1 处不符"):
        call_command("verify_results")


def test_verify_results_finds_a_changed_snapshot(published) -> None:
    data = dict(published.snapshot)
    data["units"] = [dict(u, amount=3000) if u["code"] == "marketing" else u for u in data["units"]]
    import json

    _tamper("UPDATE scoring_quarterresult SET snapshot = %s WHERE id = %s", [json.dumps(data), published.pk])
    problems = [m.problem for m in results_verify()]
    assert any(p.startswith("摘要不符") for p in problems)
    assert any("marketing 的 amount 为 0,快照为 3000" in p for p in problems)
    assert any("按快照重新计算" in p for p in problems)


def test_verify_results_passes_and_says_so(published, capsys) -> None:
    call_command("verify_results")
    assert "已校验 1 个已发布版本,全部一致" in capsys.readouterr().out
