"""Published versions are signed with HMAC-SHA256 under RESULTS_SIGNING_KEY, keys rotate, and versions with the former
plain SHA-256 digest are re-signed only after their old digest checks out (SPEC §7)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import override_settings

from scoring import signing
from scoring.models import QuarterResult
from scoring.services import quarter_publish, results_verify
from scoring.snapshot import canonical_json

from .builders import Q1, after, build_worked_example

pytestmark = pytest.mark.django_db

KEY_A = "results-key-A-0123456789abcdefghijklmnopqrstuvwxyz"
KEY_B = "results-key-B-0123456789abcdefghijklmnopqrstuvwxyz"


@pytest.fixture
def published(people) -> QuarterResult:
    build_worked_example()
    with time_machine.travel(after(Q1), tick=False):
        return quarter_publish(quarter=Q1, user=people.inspector.user)


def _write(result: QuarterResult, **columns) -> None:
    """Write straight to the row with the trigger dropped, then put it back: an attacker with DDL rights, or the state
    a version published before keys is in."""
    table = "scoring_quarterresult"
    with connection.cursor() as cursor:
        suffix = f" ON {table}" if connection.vendor == "postgresql" else ""
        cursor.execute(f"DROP TRIGGER IF EXISTS {table}_immutable{suffix}")
        for column, value in columns.items():
            cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [value, result.pk])
        if connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION scoring_refuse_change()"
            )
        else:
            cursor.execute(
                f"CREATE TRIGGER {table}_immutable BEFORE UPDATE ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'published results are immutable'); END"
            )


def _plain(result: QuarterResult) -> str:
    return hashlib.sha256(canonical_json(QuarterResult.objects.get(pk=result.pk).snapshot)).hexdigest()


def test_a_recomputed_plain_sha256_no_longer_passes_verification(published) -> None:
    assert results_verify() == []
    _write(published, digest=_plain(published))  # what an attacker with write access did: recompute a matching digest
    problems = [m.problem for m in results_verify()]
    assert problems == [f"摘要不符:记录的摘要 {_plain(published)} 不是快照在密钥 {published.digest_key} 下的签名"]
    with pytest.raises(CommandError, match="1 处不符"):
        call_command("verify_results")


def test_a_plain_digest_marked_unsigned_does_not_pass_either(published) -> None:
    _write(published, digest=_plain(published), digest_key="")
    assert [m.problem for m in results_verify()] == [
        "摘要未签名(旧的 SHA-256 摘要,任何能写数据库的人都能重算);请运行 resign_results 重新签名"
    ]


def test_a_digest_signed_with_a_key_the_site_does_not_hold_fails(people) -> None:
    build_worked_example()
    with override_settings(RESULTS_SIGNING_KEY=KEY_A), time_machine.travel(after(Q1), tick=False):
        result = quarter_publish(quarter=Q1, user=people.inspector.user)
    assert result.digest_key == signing.key_id_of(KEY_A) != signing.key_id_of(settings.RESULTS_SIGNING_KEY)
    assert KEY_A not in result.digest_key  # the id is a fingerprint, never the key
    problems = [m.problem for m in results_verify()]
    assert problems == [f"签名密钥 {result.digest_key} 未配置(不在 RESULTS_SIGNING_KEY 或 RESULTS_SIGNING_KEYS_OLD 中)"]


def test_keys_rotate_old_signatures_verify_until_resigned_under_the_new_key(people, capsys) -> None:
    build_worked_example()
    with override_settings(RESULTS_SIGNING_KEY=KEY_A), time_machine.travel(after(Q1), tick=False):
        result = quarter_publish(quarter=Q1, user=people.inspector.user)
    with override_settings(RESULTS_SIGNING_KEY=KEY_B, RESULTS_SIGNING_KEYS_OLD=[KEY_A]):
        assert results_verify() == []  # the old key is still accepted
        call_command("resign_results", "--dry-run")
        assert "需要重新签名 1 个版本:2026Q1 v1" in capsys.readouterr().out
        assert QuarterResult.objects.get(pk=result.pk).digest_key == signing.key_id_of(KEY_A)
        call_command("resign_results")
        assert "已重新签名 1 个版本:2026Q1 v1" in capsys.readouterr().out
    stored = QuarterResult.objects.get(pk=result.pk)
    assert stored.digest_key == signing.key_id_of(KEY_B)
    assert stored.snapshot == result.snapshot
    with override_settings(RESULTS_SIGNING_KEY=KEY_B, RESULTS_SIGNING_KEYS_OLD=[]):
        assert results_verify() == []  # the old key can now be retired
        call_command("resign_results")
        assert "无需重新签名" in capsys.readouterr().out


def test_resign_results_migrates_plain_digests_after_checking_them(published, capsys) -> None:
    _write(published, digest=_plain(published), digest_key="")  # a version published before keys
    assert results_verify() != []
    call_command("resign_results")
    assert "已重新签名 1 个版本" in capsys.readouterr().out
    assert QuarterResult.objects.get(pk=published.pk).digest_key == signing.current_key_id()
    assert results_verify() == []
    # The trigger is back: the row is as immutable as before.
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE scoring_quarterresult SET reason = 'x' WHERE id = %s", [published.pk])


def test_resign_results_refuses_a_tampered_legacy_version_and_changes_nothing(published) -> None:
    stale = _plain(published)
    data = dict(QuarterResult.objects.get(pk=published.pk).snapshot, reason="改过")
    import json

    _write(published, digest=stale, digest_key="", snapshot=json.dumps(data))
    with pytest.raises(CommandError, match=r"(?s)重新签名被拒绝,未做任何更改.*旧的 SHA-256 摘要与快照不符"):
        call_command("resign_results")
    stored = QuarterResult.objects.get(pk=published.pk)
    assert (stored.digest, stored.digest_key) == (stale, "")


def test_resign_results_refuses_a_version_whose_unit_rows_were_changed(published) -> None:
    _write(published, digest=_plain(published), digest_key="")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER IF EXISTS scoring_unitresult_immutable ON scoring_unitresult")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS scoring_unitresult_immutable")
        cursor.execute("UPDATE scoring_unitresult SET amount = 0 WHERE result_id = %s AND code = 'engineering'", [published.pk])
    with pytest.raises(CommandError, match="engineering 的 amount 为 0"):
        call_command("resign_results")
    assert QuarterResult.objects.get(pk=published.pk).digest_key == ""


def test_resign_results_on_postgresql_passes_the_trigger_and_restores_it(postgres, published) -> None:
    _write(published, digest=_plain(published), digest_key="")
    call_command("resign_results")
    assert results_verify() == []
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE scoring_quarterresult SET digest = %s WHERE id = %s", ["0" * 64, published.pk])


def test_production_refuses_to_start_without_a_signing_key() -> None:
    env = {k: v for k, v in os.environ.items() if k != "RESULTS_SIGNING_KEY"}
    env.update(DJANGO_SETTINGS_MODULE="config.settings.production", SECRET_KEY="x" * 50, ALLOWED_HOSTS="example.cn")
    run = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode != 0
    assert "RESULTS_SIGNING_KEY must be set" in run.stderr
    run = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=settings.BASE_DIR,
        env={**env, "RESULTS_SIGNING_KEY": "short"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode != 0
