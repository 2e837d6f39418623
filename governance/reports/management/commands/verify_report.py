"""python manage.py verify_report FILE.pdf --public-key KEY.pem [--certificate CERT.pem] [--live|--offline]"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection

from governance.audit.keys import SigningKeyError, public_key_from_pem
from governance.reports.verify import verify_report_bytes


def database_available() -> bool:
    try:
        connection.ensure_connection()
        return "audit_auditevent" in connection.introspection.table_names()
    except (DatabaseError, Exception):
        return False


class Command(BaseCommand):
    help = (
        "Verify a Steward audit report offline (signature, bundle, event hashes, inclusion proofs, "
        "checkpoint signature, chain id) and, with a database, against the live ledger. "
        "Exit 0 if valid, 1 if not."
    )
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the report PDF")
        parser.add_argument(
            "--public-key", required=True, help="Steward's checkpoint public key (Ed25519, PEM)"
        )
        parser.add_argument("--certificate", help="pin the report signing certificate (PEM or DER)")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--live", action="store_true", help="also compare with the ledger (needs the database)"
        )
        mode.add_argument("--offline", action="store_true", help="never touch the database")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            data = Path(options["file"]).read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {options['file']}: {exc.strerror}") from exc
        try:
            public_key = public_key_from_pem(Path(options["public_key"]).read_bytes())
        except (OSError, ValueError, SigningKeyError) as exc:
            raise CommandError(f"cannot use {options['public_key']} as an Ed25519 public key: {exc}") from exc
        pinned = None
        if options["certificate"]:
            pinned = self._certificate_sha256(options["certificate"])
        live = options["live"]
        if options["live"] and not database_available():
            raise CommandError("--live needs the database, which is not reachable")
        if not options["live"] and not options["offline"]:
            live = database_available()
        result = verify_report_bytes(data, public_key=public_key, pinned_certificate_sha256=pinned, live=live)
        for check in result.checks:
            mark = "ok  " if check.ok else "FAIL"
            self.stdout.write(f"  [{mark}] {check.name}: {check.message}")
        if not live:
            self.stdout.write("  [----] live ledger: not checked (offline)")
        if result.ok:
            self.stdout.write(self.style.SUCCESS(result.summary))
            return
        raise CommandError(result.summary, returncode=1)

    def _certificate_sha256(self, path: str) -> str:
        try:
            raw = Path(path).read_bytes()
            certificate = (
                x509.load_pem_x509_certificate(raw)
                if b"-----BEGIN" in raw
                else x509.load_der_x509_certificate(raw)
            )
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read the certificate {path}: {exc}") from exc
        return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()
