"""Re-signing published versions (SPEC §7): the migration from plain SHA-256 digests, and key rotation.

    results_resign(*, dry_run=False) -> list[str]     # the versions re-signed (or that would be), e.g. "2026Q1 v1"

Every version not signed by the current key is checked first — its stored digest must be the plain SHA-256 of its
snapshot (a version from before keys) or its HMAC under the old key it names (in RESULTS_SIGNING_KEYS_OLD), and its
unit rows and figures must match the snapshot as verify_results checks them. If any version fails, nothing is changed
and `ResignRefused` lists every problem: a tampered version is never blessed with a fresh signature. Otherwise every
one is re-signed under RESULTS_SIGNING_KEY in one transaction.

Published rows are refused UPDATE by a trigger (migration 0003_published_results_immutable). This is the one writer
that passes it: inside its transaction it sets the trigger aside for the two signature columns only — PostgreSQL
`ALTER TABLE … DISABLE TRIGGER` (which takes the table's exclusive lock until commit, so no other session writes
meanwhile), SQLite drop and re-create — and restores it before committing.
"""

from __future__ import annotations

import importlib

from django.db import connection, transaction
from django.utils.translation import gettext as _

from . import signing
from .models import QuarterResult
from .services import version_problems

immutable = importlib.import_module("scoring.migrations.0003_published_results_immutable")
TABLE = "scoring_quarterresult"


class ResignRefused(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("；".join(problems))


def _old_signature_problem(result: QuarterResult) -> str | None:
    data = result.snapshot if isinstance(result.snapshot, dict) else {}
    if result.digest_key == signing.LEGACY_KEY_ID:
        if signing.plain_digest(data) != result.digest:
            return _("旧的 SHA-256 摘要与快照不符")
        return None
    return signing.check(data, digest=result.digest, key_id=result.digest_key)


def _set_trigger(enabled: bool) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ALTER TABLE refuses to run while deferred foreign-key checks of this transaction are pending: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {TABLE} {'ENABLE' if enabled else 'DISABLE'} TRIGGER {TABLE}_immutable")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        elif connection.vendor == "sqlite":
            cursor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_immutable")
            if enabled:
                cursor.execute(
                    f"CREATE TRIGGER {TABLE}_immutable BEFORE UPDATE ON {TABLE} "
                    f"BEGIN SELECT RAISE(ABORT, 'published results are immutable: UPDATE on {TABLE} refused'); END;"
                )


def results_resign(*, dry_run: bool = False) -> list[str]:
    current = signing.current_key_id()
    with transaction.atomic():
        pending = list(
            QuarterResult.objects.select_for_update()
            .exclude(digest_key=current)
            .prefetch_related("units")
            .order_by("year", "quarter", "version")
        )
        problems = []
        for result in pending:
            found = [p for p in [_old_signature_problem(result), *version_problems(result, signature=False)] if p]
            problems.extend(f"{result}: {p}" for p in found)
        if problems:
            raise ResignRefused(problems)
        if dry_run or not pending:
            return [str(r) for r in pending]
        _set_trigger(False)
        with connection.cursor() as cursor:
            for result in pending:
                signature = signing.sign(result.snapshot)
                cursor.execute(
                    f"UPDATE {TABLE} SET digest = %s, digest_key = %s WHERE id = %s",  # nosec B608: TABLE is a constant
                    [signature.digest, signature.key_id, result.pk],
                )
        _set_trigger(True)
    return [str(r) for r in pending]
