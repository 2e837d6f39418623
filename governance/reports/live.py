"""Live checks of a verified report against this Steward's ledger (needs the database).

Each event the bundle proves must still be stored with the same canonical text, leaf and link; the
checkpoint must still match the stored chain (head link and Merkle root at its size); and the
ledger's `report.generated` event for the report must name this exact file (its SHA-256).
"""

from __future__ import annotations

from typing import Any

from governance.audit.checkpoints import SignedCheckpoint, merkle_root_upto
from governance.audit.event_types import AuditAction
from governance.audit.models import AuditEvent
from governance.reports.verify import VerificationResult


def check_live(
    result: VerificationResult, bundle: dict[str, Any], checkpoint: SignedCheckpoint | None, file_sha256: str
) -> None:
    if checkpoint is None:
        result.add("live ledger", False, "not compared: the checkpoint did not verify")
        return
    entries = list(bundle.get("events") or [])
    enrolment = (bundle.get("certificate") or {}).get("enrolment")
    if enrolment:
        entries.append(enrolment)
    wanted = {int(e["seq"]): e for e in entries}
    stored: dict[int, tuple[str, bytes, bytes]] = {}
    seqs = sorted(wanted)
    for i in range(0, len(seqs), 5000):
        for seq, canonical, leaf, link in AuditEvent.objects.filter(seq__in=seqs[i : i + 5000]).values_list(
            "seq", "canonical", "leaf", "link"
        ):
            stored[seq] = (canonical, bytes(leaf), bytes(link))
    for seq in seqs:
        entry = wanted[seq]
        row = stored.get(seq)
        if row is None:
            result.add("live ledger", False, f"event #{seq} is missing from the ledger")
            return
        if row[0] != entry["canonical"] or row[1].hex() != entry["leaf"] or row[2].hex() != entry["link"]:
            result.add(
                "live ledger", False, f"event #{seq} in the ledger differs from the report: it was changed"
            )
            return
    head = AuditEvent.objects.filter(seq=checkpoint.size).values_list("link", "chain_id").first()
    if head is None or head[1] != checkpoint.chain_id:
        result.add("live ledger", False, "this ledger is not the chain the report was made from")
        return
    if bytes(head[0]).hex() != checkpoint.head or merkle_root_upto(checkpoint.size).hex() != checkpoint.root:
        result.add(
            "live ledger",
            False,
            "the stored chain no longer matches the report's checkpoint: history was rewritten",
        )
        return
    generated = (
        AuditEvent.objects.filter(
            action=AuditAction.REPORT_GENERATED, object_type="reports.auditreport", object_id=result.report_id
        )
        .order_by("seq")
        .first()
    )
    if generated is None:
        result.add("live ledger", False, "the ledger records no generation of this report")
        return
    if (generated.payload or {}).get("sha256") != file_sha256:
        result.add(
            "live ledger", False, "the ledger recorded a different file for this report (SHA-256 differs)"
        )
        return
    result.add(
        "live ledger",
        True,
        f"{len(seqs)} events match the ledger; the checkpoint matches the stored chain; "
        f"report.generated (event #{generated.seq}) names this file",
    )
