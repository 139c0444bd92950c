"""Migration 0008 fills the not-done count of inspections written before it (the bulletin reads it, SPEC §16)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("audits", "0007_inspection_tally")]
AFTER = [("audits", "0008_inspection_not_done_count")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_existing_inspections_get_their_not_done_items_counted() -> None:
    old = migrate(BEFORE)
    Project = old.get_model("touchpoints", "Project")
    Inspection = old.get_model("audits", "Inspection")
    InspectionItem = old.get_model("audits", "InspectionItem")
    project = Project.objects.create(code="MIG", name="迁移项目")
    judged = Inspection.objects.create(project=project, function="marketing", year=2026, quarter=1, state="finalised")
    empty = Inspection.objects.create(project=project, function="design", year=2026, quarter=1)
    for n, verdict in enumerate(["not_done", "not_done", "done", "na", ""]):
        InspectionItem.objects.create(
            inspection=judged, code=f"MAR-{n}", name=f"触点{n}", level_name="二级", weight=2, verdict=verdict
        )
    try:
        new = migrate(AFTER)
        counts = dict(new.get_model("audits", "Inspection").objects.values_list("pk", "not_done_count"))
        assert counts == {judged.pk: 2, empty.pk: 0}
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
