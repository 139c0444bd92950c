"""SPEC §16: the heat map's window sums, stored in `scoring.HeatCount` beside the versions' counts.

- Columns: `window` (the version whose publication summed the window) and `members` (the window's version ids) on a
  window's rows, which have no `result`; a check keeps every row one kind or the other. Indexes for the page's reads of
  a window's cells and totals (unique per cell, touchpoint and stage), and the versions' page index now leaves the
  window rows out, as does the unique index of a version's cells.
- Frozen: adding columns fires no row trigger on PostgreSQL and 0006's trigger stays; SQLite rebuilds the table and
  loses its trigger, so it is created again here (as 0004 does for the results).
- Backfill: the current window (the current version of each of the last eight published quarters) gets its sums from
  the versions' stored counts (0006 gave every current version its counts), written under its newest version as its
  publication would have written them. Skipped when that version already has them. Going back removes every window
  row (their columns go).
"""

import importlib

import django.db.models.deletion
from django.db import migrations, models

heat_counts = importlib.import_module("scoring.migrations.0006_heat_counts")

WINDOW = 8

# A copy, frozen with this migration, of the window part of what scoring.services.heat_counts_write runs at
# publication, over stored counts only.
WINDOW_SQL = """
INSERT INTO "scoring_heatcount" (project_id, "function", code, stage, result_id, window_id, members, name, not_done, judged)
SELECT project_id, "function", code, stage, NULL, %s, %s, '', SUM(not_done), SUM(judged)
FROM "scoring_heatcount" WHERE result_id IN ({ids})
GROUP BY project_id, "function", code, stage
"""


def recreate_sqlite_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        heat_counts.drop_triggers(apps, schema_editor)
        heat_counts.create_triggers(apps, schema_editor)


def backfill(apps, schema_editor):
    QuarterResult = apps.get_model("scoring", "QuarterResult")
    HeatCount = apps.get_model("scoring", "HeatCount")
    latest = QuarterResult.objects.filter(superseded_by__isnull=True).order_by("-year", "-quarter")
    members = list(latest.values_list("pk", flat=True)[:WINDOW])
    if not members or HeatCount.objects.filter(window_id=max(members)).exists():
        return
    sql = WINDOW_SQL.format(ids=", ".join(["%s"] * len(members)))  # nosec B608 - placeholders only; the ids are parameters
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(sql, [max(members), ",".join(map(str, members)), *members])


def remove_windows(apps, schema_editor):
    """Going back: the window rows cannot stay once their columns go (PostgreSQL's trigger is lifted for this only)."""
    table, vendor = heat_counts.TABLE, schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_immutable;")
    schema_editor.execute(f"DELETE FROM {table} WHERE window_id IS NOT NULL;")  # nosec B608 - the table's own name
    if vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_immutable;")


class Migration(migrations.Migration):

    dependencies = [
        ('scoring', '0006_heat_counts'),
        ('touchpoints', '0004_operations_group'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='heatcount',
            name='heat_count_page_cells',
        ),
        migrations.AddField(
            model_name='heatcount',
            name='members',
            field=models.CharField(blank=True, max_length=200, null=True, verbose_name='窗口内的版本'),
        ),
        migrations.AddField(
            model_name='heatcount',
            name='window',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='heat_window_counts', to='scoring.quarterresult', verbose_name='问题分布窗口'),
        ),
        migrations.AlterField(
            model_name='heatcount',
            name='result',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='heat_counts', to='scoring.quarterresult', verbose_name='季度结果'),
        ),
        migrations.AddIndex(
            model_name='heatcount',
            index=models.Index(condition=models.Q(('project__isnull', False), ('result__isnull', False)), fields=['code', 'project', 'result'], include=('function', 'stage', 'not_done', 'judged'), name='heat_count_page_cells'),
        ),
        migrations.AddIndex(
            model_name='heatcount',
            index=models.Index(condition=models.Q(('project__isnull', False), ('window__isnull', False)), fields=['window', 'project', 'function'], include=('code', 'stage', 'not_done', 'judged'), name='heat_window_scoped_cells'),
        ),
        migrations.RemoveConstraint(
            model_name='heatcount',
            name='one_heat_count_per_cell_code',
        ),
        migrations.AddConstraint(
            model_name='heatcount',
            constraint=models.UniqueConstraint(condition=models.Q(('result__isnull', False)), fields=('result', 'project', 'function', 'code'), name='one_heat_count_per_cell_code'),
        ),
        migrations.AddConstraint(
            model_name='heatcount',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('members__isnull', True), ('result__isnull', False), ('window__isnull', True)), models.Q(('members__isnull', False), ('result__isnull', True), ('window__isnull', False)), _connector='OR'), name='heat_count_version_or_window'),
        ),
        migrations.AddConstraint(
            model_name='heatcount',
            constraint=models.UniqueConstraint(condition=models.Q(('project__isnull', False), ('window__isnull', False)), fields=('window', 'code', 'project', 'function', 'stage'), include=('not_done', 'judged'), name='one_heat_window_cell_per_code'),
        ),
        migrations.AddConstraint(
            model_name='heatcount',
            constraint=models.UniqueConstraint(condition=models.Q(('project__isnull', True), ('window__isnull', False)), fields=('window', 'code', 'function', 'stage'), include=('not_done', 'judged'), name='one_heat_window_total_per_code'),
        ),
        migrations.RunPython(recreate_sqlite_trigger, migrations.RunPython.noop),
        migrations.RunPython(backfill, remove_windows),
    ]
