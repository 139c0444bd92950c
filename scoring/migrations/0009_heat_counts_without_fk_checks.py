"""The heat map's counts keep their references but lose their foreign-key constraints in PostgreSQL (see
`scoring.models.HeatCount`): a publication writes ~23,000 counts, and PostgreSQL checked each reference of each row at
the COMMIT, 0.4–0.5 s of the publication. `verify_results` checks the references instead (`heat_counts_verify`).

PostgreSQL only: the constraints are dropped by name. On SQLite Django would rebuild the table to drop them, and the
rebuild would drop the table's immutability trigger with it (migration 0006); SQLite keeps them, and the model's state
is the same on both."""

import django.db.models.deletion
from django.db import migrations, models

TABLE = "scoring_heatcount"
REFERENCES = {"result_id": "scoring_quarterresult", "window_id": "scoring_quarterresult", "project_id": "touchpoints_project"}


def drop_constraints(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    for name, info in constraints.items():
        if info["foreign_key"] and info["columns"] and info["columns"][0] in REFERENCES:
            schema_editor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT {schema_editor.quote_name(name)}")


def add_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column, table in REFERENCES.items():
        schema_editor.execute(
            f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_{column}_fk FOREIGN KEY ({column}) REFERENCES {table} (id) "
            "DEFERRABLE INITIALLY DEFERRED"
        )


def field(**options):
    return models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, **options)


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0008_heat_count_project_unindexed"),
        ("touchpoints", "0004_operations_group"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop_constraints, add_constraints)],
            state_operations=[
                migrations.AlterField(
                    model_name="heatcount",
                    name="project",
                    field=field(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="touchpoints.project",
                        verbose_name="项目",
                    ),
                ),
                migrations.AlterField(
                    model_name="heatcount",
                    name="result",
                    field=field(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="heat_counts",
                        to="scoring.quarterresult",
                        verbose_name="季度结果",
                    ),
                ),
                migrations.AlterField(
                    model_name="heatcount",
                    name="window",
                    field=field(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="heat_window_counts",
                        to="scoring.quarterresult",
                        verbose_name="问题分布窗口",
                    ),
                ),
            ],
        )
    ]
