"""SPEC §7: published versions are signed with HMAC-SHA256; each stores the id of the key that signed it.

Existing versions keep their plain SHA-256 digest with an empty `digest_key` (verify_results reports them as unsigned)
until `manage.py resign_results` checks each plain digest and re-signs it under RESULTS_SIGNING_KEY
(docs/results-signing.md). Adding a column fires no row trigger on PostgreSQL; SQLite rebuilds the table and loses its
triggers, so they are created again here.
"""

import importlib

from django.db import migrations, models

immutable = importlib.import_module("scoring.migrations.0003_published_results_immutable")


def recreate_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        immutable.drop_triggers(apps, schema_editor)
        immutable.create_triggers(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("scoring", "0003_published_results_immutable")]

    operations = [
        migrations.AddField(
            model_name="quarterresult",
            name="digest_key",
            field=models.CharField(blank=True, default="", max_length=32, verbose_name="签名密钥编号"),
        ),
        migrations.AlterField(
            model_name="quarterresult",
            name="digest",
            field=models.CharField(max_length=64, verbose_name="HMAC-SHA256 摘要"),
        ),
        migrations.RunPython(recreate_sqlite_triggers, migrations.RunPython.noop),
    ]
