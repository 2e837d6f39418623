"""python manage.py generate_report_certificate CERT.pem KEY.pem [--common-name NAME]"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from governance.reports.certificates import certificate_fingerprint, fingerprint_display, generate_certificate


class Command(BaseCommand):
    help = (
        "Create a self-signed report signing certificate and its private key (mode 0600). Use a "
        "certificate from your own CA in production if readers must trust it without Steward's ledger."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("certificate", help="where to write the certificate (PEM)")
        parser.add_argument("key", help="where to write the private key (PEM; must not exist)")
        parser.add_argument("--common-name", default="Steward report signing")

    def handle(self, *args: Any, **options: Any) -> None:
        cert_path, key_path = Path(options["certificate"]), Path(options["key"])
        if key_path.exists() or cert_path.exists():
            raise CommandError("refusing to overwrite an existing certificate or key")
        certificate = generate_certificate(cert_path, key_path, common_name=options["common_name"])
        self.stdout.write(f"certificate {cert_path}, key {key_path}")
        self.stdout.write(f"fingerprint {fingerprint_display(certificate_fingerprint(certificate))}")
