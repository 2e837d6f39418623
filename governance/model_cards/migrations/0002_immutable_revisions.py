"""Revisions and template versions are immutable in the database itself: UPDATE and DELETE are
refused by triggers (TRUNCATE, used only by test flushes, is not). The ORM refuses first; the
trigger stops writes that bypass it (raw SQL, bulk updates from another tool)."""

from django.db import migrations

TABLES = ("model_cards_revision", "model_cards_templateversion")

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION steward_refuse_immutable_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'rows of % are immutable: % is refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
"""


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION, params=None)
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(
                f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION steward_refuse_immutable_change(); "
                f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_immutable;"
            )
        elif vendor == "sqlite":
            for op in ("UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'rows of {table} are immutable: {op} is refused'); END"
                )


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table};")
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")


class Migration(migrations.Migration):
    dependencies = [("model_cards", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
