"""`manage.py write_checkpoint`: sign the current head now (idempotent while the head has not moved)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from governance.audit import checkpoints, keys


class Command(BaseCommand):
    help = (
        "Sign a checkpoint of the audit chain now {chain id, size, head link, Merkle root, key id, time} and "
        "store it in the database and the checkpoint directory. Needs the private signing key."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            checkpoint = checkpoints.write_checkpoint()
        except keys.SigningKeyError as exc:
            raise CommandError(str(exc)) from exc
        if checkpoint is None:
            self.stdout.write("The ledger is empty: nothing to sign yet.")
            return
        path = checkpoints.checkpoint_dir() / f"{checkpoint.chain_id}-{checkpoint.size:012d}.json"
        self.stdout.write(f"Chain        {checkpoint.chain_id}")
        self.stdout.write(f"Size         {checkpoint.size}")
        self.stdout.write(f"Head         {checkpoint.head}")
        self.stdout.write(f"Merkle root  {checkpoint.root}")
        self.stdout.write(f"Key id       {checkpoint.key_id}")
        self.stdout.write(f"Signed at    {checkpoint.signed_at.isoformat()}")
        self.stdout.write(f"File         {path}")
