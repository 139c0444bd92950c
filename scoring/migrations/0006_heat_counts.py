"""SPEC §16: the heat map's counts, stored once per published version (scoring.HeatCount), and frozen like the other
published rows (SPEC §7).

- The table: one row per touchpoint per cell of a published version, with its judged and not-done counts, and one
  per touchpoint without a project: the version's total over every project.
- Frozen: the same triggers as migration 0003 (PostgreSQL: BEFORE UPDATE OR DELETE, calling 0003's
  `scoring_refuse_change()`; SQLite: BEFORE UPDATE). A later migration that rebuilds the table on SQLite must create the
  trigger again, as 0004 does for the results.
- Backfill: every current (not superseded) published version gets the counts of its quarter's finalised inspections as
  they are now, with the same INSERT … SELECT … GROUP BY publication runs (`scoring.services.heat_counts_write`; a test
  checks that both give the same rows). A superseded version gets none: the verdicts it was computed from may have been
  corrected since, and the heat map reads only current versions. Versions that already have counts are skipped.
"""

import django.db.models.deletion
from django.db import migrations, models

TABLE = "scoring_heatcount"

# A copy, frozen with this migration, of what scoring.services.heat_counts_write runs at publication.
HEAT_COUNTS_SQL = """
INSERT INTO "scoring_heatcount" (project_id, "function", code, stage, result_id, name, not_done, judged)
SELECT i.project_id, i."function", it.code, it.stage_name, %(result)s, MAX(it.name), SUM(CASE WHEN it.verdict = %(not_done)s THEN 1 ELSE 0 END), COUNT(*)
FROM "audits_inspectionitem" it INNER JOIN "audits_inspection" i ON i.id = it.inspection_id
WHERE i.year = %(year)s AND i.quarter = %(quarter)s AND i.state = %(finalised)s AND it.verdict IN (%(done)s, %(not_done)s)
GROUP BY i.project_id, i."function", it.code, it.stage_name
UNION ALL
SELECT NULL, i."function", it.code, it.stage_name, %(result)s, MAX(it.name), SUM(CASE WHEN it.verdict = %(not_done)s THEN 1 ELSE 0 END), COUNT(*)
FROM "audits_inspectionitem" it INNER JOIN "audits_inspection" i ON i.id = it.inspection_id
WHERE i.year = %(year)s AND i.quarter = %(quarter)s AND i.state = %(finalised)s AND it.verdict IN (%(done)s, %(not_done)s)
GROUP BY i."function", it.code, it.stage_name
"""


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_immutable BEFORE UPDATE OR DELETE ON {TABLE} "
            f"FOR EACH ROW EXECUTE FUNCTION scoring_refuse_change();"
        )
    elif vendor == "sqlite":
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_immutable BEFORE UPDATE ON {TABLE} "
            f"BEGIN SELECT RAISE(ABORT, 'published results are immutable: UPDATE on {TABLE} refused'); END;"
        )


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor in ("postgresql", "sqlite"):
        suffix = f" ON {TABLE}" if vendor == "postgresql" else ""
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_immutable{suffix};")


def backfill(apps, schema_editor):
    QuarterResult = apps.get_model("scoring", "QuarterResult")
    current = QuarterResult.objects.filter(superseded_by__isnull=True, heat_counts__isnull=True).distinct()
    with schema_editor.connection.cursor() as cursor:
        for pk, year, quarter in current.values_list("pk", "year", "quarter"):
            cursor.execute(
                HEAT_COUNTS_SQL,
                {"result": pk, "year": year, "quarter": quarter, "finalised": "finalised", "done": "done", "not_done": "not_done"},
            )



class Migration(migrations.Migration):

    dependencies = [
        ('scoring', '0005_rectification_plan'),
        ('touchpoints', '0004_operations_group'),
        ('audits', '0005_signoff_inspection_team_frequency'),
    ]

    operations = [
        migrations.CreateModel(
            name='HeatCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('function', models.CharField(max_length=30, verbose_name='职能')),
                ('code', models.CharField(max_length=30, verbose_name='编号')),
                ('name', models.CharField(max_length=200, verbose_name='触点名称')),
                ('stage', models.CharField(blank=True, max_length=50, verbose_name='阶段')),
                ('not_done', models.PositiveIntegerField(verbose_name='未完成项')),
                ('judged', models.PositiveIntegerField(verbose_name='已判定项')),
                ('project', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='touchpoints.project', verbose_name='项目')),
                ('result', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='heat_counts', to='scoring.quarterresult', verbose_name='季度结果')),
            ],
            options={
                'verbose_name': '问题分布计数',
                'verbose_name_plural': '问题分布计数',
                'indexes': [models.Index(condition=models.Q(('project__isnull', False)), fields=['code', 'project', 'result'], include=('function', 'stage', 'not_done', 'judged'), name='heat_count_page_cells')],
                'constraints': [models.UniqueConstraint(fields=('result', 'project', 'function', 'code'), name='one_heat_count_per_cell_code'), models.UniqueConstraint(condition=models.Q(('project__isnull', True)), fields=('result', 'code', 'function', 'stage'), name='one_heat_total_per_code_stage')],
            },
        ),
        migrations.RunPython(create_triggers, drop_triggers),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
