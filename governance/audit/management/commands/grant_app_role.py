"""`manage.py grant_app_role ROLE`: give the application's PostgreSQL role exactly what Steward needs.

Run as the table owner (the role migrations run as). The application role gets SELECT, INSERT, UPDATE
and DELETE on every Steward table, but only SELECT and INSERT on the audit ledger, so even a
compromised application cannot rewrite history (the triggers refuse it a second time).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

LEDGER_TABLES = ("audit_auditevent", "audit_checkpoint")
READ_WRITE = "SELECT, INSERT, UPDATE, DELETE"
APPEND_ONLY = "SELECT, INSERT"
# What the application role must never hold on the ledger, directly or through another role.
FORBIDDEN_ON_LEDGER = ("UPDATE", "DELETE", "TRUNCATE", "TRIGGER", "REFERENCES")


class Command(BaseCommand):
    help = (
        "PostgreSQL only. Run as the table owner (the migration role): grants ROLE SELECT, INSERT, UPDATE "
        "and DELETE on every Steward table and USAGE, SELECT on their sequences, but only SELECT and INSERT "
        "on the audit ledger (audit_auditevent, audit_checkpoint); everything else ROLE held on those tables "
        "is revoked. ALTER DEFAULT PRIVILEGES cannot express the ledger's narrower rule, so run this again "
        "after every `migrate`. Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("role", help="The PostgreSQL role the application connects as.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias (default: default).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Print the statements without running them."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        connection = connections[options["database"]]
        if connection.vendor != "postgresql":
            raise CommandError(
                f"grant_app_role needs PostgreSQL; this database is {connection.vendor}. The embedded SQLite "
                "database has no roles: its triggers alone keep the ledger append-only."
            )
        role: str = options["role"]
        with transaction.atomic(using=connection.alias):
            self._check_role(connection, role)
            statements = self._statements(connection, role)
            if options["dry_run"]:
                for sql in statements:
                    self.stdout.write(sql + ";")
                return
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
            self._check_ledger_is_append_only(connection, role)
        tables = self._tables(connection)
        self.stdout.write(
            f"Granted {role}: {READ_WRITE} on {len(tables) - len(LEDGER_TABLES)} tables; "
            f"{APPEND_ONLY} only on {', '.join(LEDGER_TABLES)}; USAGE, SELECT on their sequences."
        )
        self.stdout.write("Run this again after every migrate (new tables get no grants by themselves).")

    def _check_role(self, connection: BaseDatabaseWrapper, role: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
            row = cursor.fetchone()
            if row is None:
                raise CommandError(
                    f"PostgreSQL role {role!r} does not exist: CREATE ROLE {role} LOGIN first."
                )
            if row[0]:
                raise CommandError(
                    f"{role!r} is a superuser: privileges cannot restrict it. Use an ordinary role."
                )
            cursor.execute("SELECT current_user")
            (current,) = cursor.fetchone()
            if current == role:
                raise CommandError(
                    f"{role!r} is the role running this command (the table owner). The application must "
                    "connect as a separate role; run this as the owner and name the application's role."
                )
            missing = [t for t in LEDGER_TABLES if t not in self._tables(connection)]
            if missing:
                raise CommandError(f"Tables {', '.join(missing)} do not exist yet: run `migrate` first.")

    def _tables(self, connection: BaseDatabaseWrapper) -> list[str]:
        """Existing tables of Steward's installed models (auto-created many-to-many tables included)."""
        models = [
            m for config in apps.get_app_configs() for m in config.get_models(include_auto_created=True)
        ]
        with connection.cursor() as cursor:
            existing = set(connection.introspection.table_names(cursor, include_views=False))
        return sorted({m._meta.db_table for m in models if m._meta.managed} & existing)

    def _statements(self, connection: BaseDatabaseWrapper, role: str) -> list[str]:
        quote = connection.ops.quote_name
        grantee = quote(role)
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_schema()")
            (schema,) = cursor.fetchone()
            statements = [f"GRANT USAGE ON SCHEMA {quote(schema)} TO {grantee}"]
            for table in self._tables(connection):
                privileges = APPEND_ONLY if table in LEDGER_TABLES else READ_WRITE
                # Revoke first, so a broader grant made earlier (or by default privileges) cannot survive.
                statements.append(f"REVOKE ALL ON TABLE {quote(table)} FROM {grantee}")
                statements.append(f"GRANT {privileges} ON TABLE {quote(table)} TO {grantee}")
                for sequence in connection.introspection.get_sequences(cursor, table):
                    statements.append(
                        f"GRANT USAGE, SELECT ON SEQUENCE {quote(sequence['name'])} TO {grantee}"
                    )
            # The application may read which migrations ran (`migrate --check` in health checks).
            if "django_migrations" in connection.introspection.table_names(cursor):
                statements.append(f"REVOKE ALL ON TABLE django_migrations FROM {grantee}")
                statements.append(f"GRANT SELECT ON TABLE django_migrations TO {grantee}")
        return statements

    def _check_ledger_is_append_only(self, connection: BaseDatabaseWrapper, role: str) -> None:
        """Fail if the role can still change the ledger, e.g. through membership of another role."""
        with connection.cursor() as cursor:
            held = []
            for table in LEDGER_TABLES:
                for privilege in FORBIDDEN_ON_LEDGER:
                    cursor.execute("SELECT has_table_privilege(%s, %s, %s)", [role, table, privilege])
                    if cursor.fetchone()[0]:
                        held.append(f"{privilege} on {table}")
        if held:
            raise CommandError(
                f"{role!r} still holds {', '.join(held)} through another role (a membership, PUBLIC, or "
                "pg_write_all_data). Remove it: the ledger must be append-only for the application."
            )
