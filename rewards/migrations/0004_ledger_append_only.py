"""Ledger entries, and filed splits with their parts, cannot be changed even with raw SQL (SPEC §7).

PostgreSQL: BEFORE UPDATE OR DELETE row triggers.
- rewards_ledgerentry: always refused (a correction is a reversal posted by an amendment).
- rewards_splitevent: always refused (the log of a split's steps).
- rewards_split: refused once the stored row is filed (a draft, submitted or reviewed split still moves).
- rewards_splitpart: refused when its split is filed; so is an INSERT into a filed split.
(TRUNCATE, which only a test database flush or an administrator's deliberate act uses, fires no row trigger.)
SQLite: the same BEFORE UPDATE (and part INSERT) triggers; no DELETE trigger, because Django's flush of a SQLite test
database deletes rows with DELETE; the ORM refuses deletion on every backend (rewards.models).
A later migration that must rewrite these rows has to drop and re-create the triggers explicitly, as scoring's
0003_published_results_immutable says for results.
"""

from django.db import migrations

POSTGRES_FUNCTIONS = """
CREATE OR REPLACE FUNCTION rewards_refuse_ledger_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is immutable: % on % refused (amend the quarter instead: entries are reversed)',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION rewards_refuse_filed_split_change() RETURNS trigger AS $$
DECLARE
    filed boolean := false;
BEGIN
    IF TG_TABLE_NAME = 'rewards_split' THEN
        filed := OLD.state = 'filed';
    ELSE
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            SELECT s.state = 'filed' INTO filed FROM rewards_split s WHERE s.id = OLD.split_id;
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') AND NOT COALESCE(filed, false) THEN
            SELECT s.state = 'filed' INTO filed FROM rewards_split s WHERE s.id = NEW.split_id;
        END IF;
    END IF;
    IF COALESCE(filed, false) THEN
        RAISE EXCEPTION 'a filed split is immutable: % on % refused', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""

POSTGRES_TRIGGERS = (
    ("rewards_ledgerentry", "UPDATE OR DELETE", "rewards_refuse_ledger_change"),
    ("rewards_splitevent", "UPDATE OR DELETE", "rewards_refuse_ledger_change"),
    ("rewards_split", "UPDATE OR DELETE", "rewards_refuse_filed_split_change"),
    ("rewards_splitpart", "INSERT OR UPDATE OR DELETE", "rewards_refuse_filed_split_change"),
)

SQLITE_TRIGGERS = (
    ("rewards_ledgerentry_immutable", "UPDATE ON rewards_ledgerentry", "", "the ledger is immutable: UPDATE on rewards_ledgerentry refused"),
    ("rewards_splitevent_immutable", "UPDATE ON rewards_splitevent", "", "the ledger is immutable: UPDATE on rewards_splitevent refused"),
    (
        "rewards_split_immutable",
        "UPDATE ON rewards_split",
        "WHEN OLD.state = 'filed'",
        "a filed split is immutable: UPDATE on rewards_split refused",
    ),
    (
        "rewards_splitpart_immutable",
        "UPDATE ON rewards_splitpart",
        "WHEN (SELECT state FROM rewards_split WHERE id = OLD.split_id) = 'filed' "
        "OR (SELECT state FROM rewards_split WHERE id = NEW.split_id) = 'filed'",
        "a filed split is immutable: UPDATE on rewards_splitpart refused",
    ),
    (
        "rewards_splitpart_insert_filed",
        "INSERT ON rewards_splitpart",
        "WHEN (SELECT state FROM rewards_split WHERE id = NEW.split_id) = 'filed'",
        "a filed split is immutable: INSERT on rewards_splitpart refused",
    ),
)


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTIONS, params=None)  # no %-formatting of the bodies
        for table, events, function in POSTGRES_TRIGGERS:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_immutable BEFORE {events} ON {table} FOR EACH ROW EXECUTE FUNCTION {function}();"
            )
    elif vendor == "sqlite":
        for name, event, when, message in SQLITE_TRIGGERS:
            schema_editor.execute(f"CREATE TRIGGER {name} BEFORE {event} {when} BEGIN SELECT RAISE(ABORT, '{message}'); END;")


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table, _events, _function in POSTGRES_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table};")
        schema_editor.execute("DROP FUNCTION IF EXISTS rewards_refuse_ledger_change();")
        schema_editor.execute("DROP FUNCTION IF EXISTS rewards_refuse_filed_split_change();")
    elif vendor == "sqlite":
        for name, _event, _when, _message in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name};")


class Migration(migrations.Migration):
    dependencies = [("rewards", "0003_splitpart_settlement")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
