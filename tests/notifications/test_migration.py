"""Migration 0003 keeps the text of rows written before notifications had kinds and parameters (SPEC §1)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

from notifications.kinds import render

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("notifications", "0002_notification_notification_kind_period")]
AFTER = [("notifications", "0003_outbox_kinds_webhooks")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_old_rows_keep_their_text_and_are_not_sent_again() -> None:
    old = migrate(BEFORE)
    User = old.get_model("auth", "User")
    user = User.objects.create(username="old-reader")
    Notification = old.get_model("notifications", "Notification")
    Notification.objects.create(
        recipient=user, kind="selfcheck_due", period="2026-01", subject="旧标题", body="旧内容", emailed_to="a@example.cn"
    )
    Notification.objects.create(recipient=user, kind="selfcheck_due", period="2026-02", subject="无邮箱", body="x")
    try:
        new = migrate(AFTER)
        rows = {n.period: n for n in new.get_model("notifications", "Notification").objects.all()}
        assert rows["2026-01"].params == {"legacy": {"subject": "旧标题", "body": "旧内容"}}
        assert (rows["2026-01"].email_state, rows["2026-02"].email_state) == ("sent", "skipped")
        with translation.override("en"):  # the old text is shown as it was, in any language
            assert render("selfcheck_due", rows["2026-01"].params).subject == "旧标题"
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
