"""`manage.py verify_audit_chain`: verify the whole ledger and its checkpoints; exit 0 intact, 1 otherwise."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from governance.audit.actors import Actor
from governance.audit.services import run_verification
from governance.audit.verification import ChainReport


class Command(BaseCommand):
    help = (
        "Stream every audit event, re-hash the stored bytes and check the latest signed checkpoints "
        "(database and checkpoint directory). Prints the chain id, size and head, the checkpoints and, on "
        "failure, what disagrees and the first bad seq. Exit status: 0 intact (or empty), 1 broken or a "
        "different chain."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print the report as JSON (for machines).")

    def handle(self, *args: Any, **options: Any) -> None:
        report, run = run_verification(actor=Actor.system("verify_audit_chain"))
        if options["json"]:
            self.stdout.write(json.dumps(report.as_json() | {"verification_run": run.pk}, indent=2))
        else:
            self._print(report)
        if not report.ok:
            where = f" at seq {report.first_bad_seq}" if report.first_bad_seq is not None else ""
            raise CommandError(f"audit chain verification failed: {report.status}{where}", returncode=1)

    def _print(self, report: ChainReport) -> None:
        write = self.stdout.write
        write(f"Chain        {report.chain_id or '-'}")
        write(f"Size         {report.size}")
        write(f"Head         {report.head or '-'}")
        if report.checkpoints:
            write("Checkpoints")
            for c in report.checkpoints:
                mark = self.style.SUCCESS("ok  ") if c.ok else self.style.ERROR("FAIL")
                size = "?" if c.size is None else str(c.size)
                write(f"  {mark} size {size:>10}  {c.source}: {c.message}")
        else:
            write("Checkpoints  none found (write one with `manage.py write_checkpoint`)")
        status = report.status.replace("_", " ")
        write(f"Status       {self.style.SUCCESS(status) if report.ok else self.style.ERROR(status)}")
        if not report.ok:
            if report.first_bad_seq is not None:
                write(f"First bad    seq {report.first_bad_seq}")
            write(f"Problem      {report.problem}")
