"""`manage.py generate_signing_key PATH`: create the Ed25519 key pair that signs checkpoints."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from governance.audit import keys


class Command(BaseCommand):
    help = (
        "Create an Ed25519 key pair for checkpoint signatures: the private key as PKCS#8 PEM (mode 0600) at "
        "PATH, the public key at --public (default PATH.pub). Refuses to overwrite either file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="Where to write the private key.")
        parser.add_argument("--public", type=Path, default=None, help="Where to write the public key.")

    def handle(self, *args: Any, **options: Any) -> None:
        private: Path = options["path"]
        public: Path = options["public"] or private.with_name(private.name + ".pub")
        if private.resolve() == public.resolve():
            raise CommandError("The private and public key need different paths.")
        existing = [str(p) for p in (private, public) if p.exists()]
        if existing:
            raise CommandError(
                f"Refusing to overwrite {', '.join(existing)}: move it away or pick another path."
            )
        try:
            public_key = keys.generate_key_pair(private, public)
        except FileExistsError as exc:  # created by someone else between the check and the write
            raise CommandError(f"Refusing to overwrite {exc.filename}.") from exc
        self.stdout.write(f"Private key  {private} (keep it readable only by the checkpoint writer)")
        self.stdout.write(f"Public key   {public}")
        self.stdout.write(f"Key id       {keys.key_id(public_key)}")
        self.stdout.write(f"Fingerprint  {keys.fingerprint_display(public_key)}")
        self.stdout.write(
            f"Configure    STEWARD_CHECKPOINT_KEY_FILE={private} STEWARD_CHECKPOINT_PUBLIC_KEY_FILE={public}"
        )
