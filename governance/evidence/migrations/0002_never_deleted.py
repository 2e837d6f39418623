"""Evidence is never deleted and its content facts never change, enforced by the database:
DELETE is refused, and so is an UPDATE that changes the file, its hash, size, type, version or
uploader. Superseding (the only update) sets superseded_by/at/reason."""

from django.db import migrations

TABLE = "evidence_evidence"
FIXED = ("file", "sha256", "size", "content_type", "version_id", "asset_id", "uploaded_by_id", "uploaded_at",
         "original_name")

PG = f"""
CREATE OR REPLACE FUNCTION steward_evidence_guard() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'evidence is never deleted' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF {" OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in FIXED)} THEN
        RAISE EXCEPTION 'an evidence file and its hash never change' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER {TABLE}_guard BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION steward_evidence_guard();
ALTER TABLE {TABLE} ENABLE ALWAYS TRIGGER {TABLE}_guard;
"""


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG, params=None)
    elif vendor == "sqlite":
        changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in FIXED)
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE} "
            "BEGIN SELECT RAISE(ABORT, 'evidence is never deleted'); END"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {TABLE}_fixed BEFORE UPDATE ON {TABLE} WHEN {changed} "
            "BEGIN SELECT RAISE(ABORT, 'an evidence file and its hash never change'); END"
        )


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_guard ON {TABLE};")
    elif vendor == "sqlite":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_delete")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_fixed")


class Migration(migrations.Migration):
    dependencies = [("evidence", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
