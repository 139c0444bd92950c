"""SPEC §16: `scoring.HeatCount.project` loses the index Django gives a foreign key by default.

No reader reads the rows by project alone: the heat map, the findings and the explanations read a version's counts or
a window's sums by their own indexes (led by the version or the window), which also hold the project. The index was
never scanned, and it was a quarter of the index entries a publication writes for its ~23,000 rows (a third of those
beside the primary key).

Dropped by name, with the state's `AlterField` beside it, so that SQLite drops the index instead of rebuilding the
table (a rebuild would lose the table's trigger, migration 0006). Going back creates it again.
"""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "scoring_heatcount_project_id_c87cac4c"  # the name Django gave it (migration 0006)


class Migration(migrations.Migration):

    dependencies = [
        ("scoring", "0007_heat_windows"),
        ("touchpoints", "0004_operations_group"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="heatcount",
                    name="project",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="touchpoints.project",
                        verbose_name="项目",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{INDEX}"',
                    reverse_sql=f'CREATE INDEX "{INDEX}" ON "scoring_heatcount" ("project_id")',
                ),
            ],
        ),
    ]
