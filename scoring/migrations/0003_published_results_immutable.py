"""Published results cannot be changed even with raw SQL (SPEC §7).

PostgreSQL: BEFORE UPDATE OR DELETE row triggers on scoring_quarterresult and scoring_unitresult raise an exception.
(TRUNCATE, which only a test database flush or an administrator's deliberate act uses, fires no row trigger.)
SQLite: a BEFORE UPDATE trigger on both tables. No DELETE trigger there, because Django's flush of a SQLite test
database deletes rows with DELETE; the ORM already refuses deletion on every backend.
A later migration that must rewrite these rows has to drop and re-create the triggers explicitly.
"""

from django.db import migrations

TABLES = ("scoring_quarterresult", "scoring_unitresult")

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION scoring_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'published results are immutable: % on % refused (publish an amendment instead)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTION, params=None)  # no %-formatting of the body
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION scoring_refuse_change();"
            )
    elif vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_immutable BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'published results are immutable: UPDATE on {table} refused'); END;"
            )


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor in ("postgresql", "sqlite"):
        for table in TABLES:
            suffix = f" ON {table}" if vendor == "postgresql" else ""
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_immutable{suffix};")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS scoring_refuse_change();")


class Migration(migrations.Migration):
    dependencies = [("scoring", "0002_default_bands_and_policy")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
