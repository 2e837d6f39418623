"""Verifying a Steward audit report file: offline from the file and a public key; live against the ledger.

Offline checks need no database and no network: the PAdES signature (intact, cryptographically
valid, covering the entire file, nothing appended, and no stray bytes in its /Contents), the
signer being Steward's enrolled report certificate (or the pinned one), the bundle's hash as the
signed PDF records it, every event's leaf and link recomputed from its canonical text, every
inclusion proof against the checkpoint's Merkle root, the checkpoint's Ed25519 signature with the
given key, and one chain id throughout. The live checks compare each event and the checkpoint with
the ledger, and the file's SHA-256 with the `report.generated` event.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from governance.audit.checkpoints import SignedCheckpoint
from governance.audit.hashing import GENESIS_LINK, canonical_json, leaf_hash, link_hash
from governance.audit.merkle import root_from_inclusion_proof
from governance.reports.bundle import BUNDLE_FORMAT, BUNDLE_NAME, CSV_NAME
from governance.reports.signing import SIGNATURE_FIELD

NOT_STEWARD = "not a Steward report"
CERT_ENROLLED_ACTION = "report.certificate_enrolled"


@dataclass
class Check:
    name: str
    ok: bool
    message: str


@dataclass
class VerificationResult:
    """The outcome: `ok` only if every check passed; `steward_report` False for foreign files."""

    steward_report: bool = True
    checks: list[Check] = field(default_factory=list)
    report_id: str | None = None
    title: str | None = None
    event_count: int = 0
    live: bool = False

    @property
    def ok(self) -> bool:
        return self.steward_report and bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def summary(self) -> str:
        if not self.steward_report:
            return f"{NOT_STEWARD}: {self.checks[0].message if self.checks else ''}".rstrip(": ")
        failed = [c for c in self.checks if not c.ok]
        if not failed:
            where = "offline and against the live ledger" if self.live else "offline"
            return (
                f"Verified ({where}): report {self.report_id}, {self.event_count} events, all checks passed."
            )
        return f"NOT verified: {failed[0].name}: {failed[0].message}"

    def add(self, name: str, ok: bool, message: str) -> bool:
        self.checks.append(Check(name, ok, message))
        return ok

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "steward_report": self.steward_report,
            "summary": self.summary,
            "report_id": self.report_id,
            "title": self.title,
            "event_count": self.event_count,
            "live": self.live,
            "checks": [c.__dict__ for c in self.checks],
        }


def _not_steward(reason: str) -> VerificationResult:
    result = VerificationResult(steward_report=False)
    result.add("format", False, reason)
    return result


def _embedded_files(reader: Any) -> dict[str, bytes]:
    names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    files = {}
    for i in range(0, len(names) - 1, 2):
        spec = names[i + 1].get_object()
        files[str(spec.get("/UF", names[i]))] = spec["/EF"]["/F"].get_object().data
    return files


def verify_report_bytes(
    data: bytes,
    *,
    public_key: Ed25519PublicKey,
    pinned_certificate_sha256: str | None = None,
    live: bool = False,
) -> VerificationResult:
    """Verify a report file; never raises for bad input (a foreign or broken file is a failed result)."""
    try:
        return _verify(data, public_key, pinned_certificate_sha256, live)
    except Exception as exc:  # a malformed file must give an answer, not a crash
        logging.getLogger(__name__).info("report verification stopped: %r", exc)
        result = VerificationResult()
        result.add(
            "file", False, f"the file is damaged or was altered ({type(exc).__name__}: {str(exc)[:200]})"
        )
        return result


def _verify(data: bytes, public_key: Ed25519PublicKey, pinned: str | None, live: bool) -> VerificationResult:
    if not data.startswith(b"%PDF-"):
        return _not_steward("the file is not a PDF")
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        files = _embedded_files(reader)
    except Exception:
        files = {}
        reader = None
    if BUNDLE_NAME not in files:
        if reader is not None and _looks_like_steward(reader):
            result = VerificationResult()
            result.add("bundle", False, "the evidence bundle is missing or unreadable: the file was altered")
            return result
        return _not_steward("it carries no Steward evidence bundle")
    try:
        bundle = json.loads(files[BUNDLE_NAME])
    except ValueError:
        result = VerificationResult()
        result.add("bundle", False, "the evidence bundle is not valid JSON: the file was altered")
        return result
    if not isinstance(bundle, dict) or bundle.get("format") != BUNDLE_FORMAT:
        return _not_steward("its embedded bundle is not a Steward report bundle")

    result = VerificationResult(
        report_id=str(bundle.get("report", {}).get("id")), title=bundle.get("report", {}).get("title")
    )
    signer_sha256 = _check_signature(result, reader, data, bundle, pinned)
    _check_bundle_hash(result, reader, files)
    checkpoint = _check_checkpoint(result, bundle, public_key)
    if checkpoint is not None:
        _check_events(result, bundle, checkpoint)
        _check_certificate_enrolment(result, bundle, checkpoint, signer_sha256)
    if live:
        from governance.reports.live import check_live

        result.live = True
        check_live(result, bundle, checkpoint, hashlib.sha256(data).hexdigest())
    return result


def _looks_like_steward(reader: Any) -> bool:
    try:
        return "/stewardreportid" in reader.trailer["/Info"]
    except Exception:
        return False


def _check_signature(
    result: VerificationResult, reader: Any, data: bytes, bundle: dict[str, Any], pinned: str | None
) -> str | None:
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    signatures = reader.embedded_signatures
    if len(signatures) != 1 or signatures[0].field_name != SIGNATURE_FIELD:
        result.add("signature", False, f"expected one Steward signature, found {len(signatures)}")
        return None
    embedded = signatures[0]
    signer = embedded.signer_cert
    signer_sha256 = hashlib.sha256(signer.dump()).hexdigest()
    context = ValidationContext(trust_roots=[signer], allow_fetching=False, revocation_mode="soft-fail")
    status = validate_pdf_signature(
        embedded,
        signer_validation_context=context,
        key_usage_settings=KeyUsageConstraints(key_usage={"non_repudiation"}),
    )
    if not (status.intact and status.valid):
        result.add(
            "signature", False, "the PDF signature does not match the file's bytes: the file was altered"
        )
        return signer_sha256
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        result.add(
            "signature",
            False,
            "content was added after signing (the signature no longer covers the whole file)",
        )
        return signer_sha256
    if not _contents_exact(embedded, data):
        result.add("signature", False, "the signature's /Contents holds extra bytes: the file was altered")
        return signer_sha256
    if pinned and signer_sha256 != pinned.lower().replace(":", ""):
        result.add("signature", False, f"signed by certificate {signer_sha256}, not the pinned one")
        return signer_sha256
    result.add(
        "signature",
        True,
        f"PAdES signature intact and covering the entire file (certificate {signer_sha256[:16]}…)",
    )
    return signer_sha256


def _contents_exact(embedded: Any, data: bytes) -> bool:
    """The bytes between the signed ranges are exactly `<HEX(DER signature) 00…>` as Steward writes them,
    so not even a hex digit's case or a padding byte can change unnoticed."""
    start, end = int(embedded.byte_range[1]), int(embedded.byte_range[2])
    contents = bytes(embedded.pkcs7_content)
    if data[start:end] != b"<" + contents.hex().upper().encode() + b">":
        return False
    if len(contents) < 2 or contents[0] != 0x30:
        return False
    if contents[1] < 0x80:
        total = 2 + contents[1]
    else:
        size = contents[1] & 0x7F
        total = 2 + size + int.from_bytes(contents[2 : 2 + size], "big")
    return total <= len(contents) and not any(contents[total:])


def _check_bundle_hash(result: VerificationResult, reader: Any, files: dict[str, bytes]) -> None:
    try:
        info = reader.trailer["/Info"]
        recorded = str(info["/stewardbundlesha256"])
        recorded_csv = str(info.get("/stewardeventscsvsha256", ""))
    except (KeyError, TypeError):
        result.add("bundle", False, "the signed PDF does not record the bundle's hash")
        return
    actual = hashlib.sha256(files[BUNDLE_NAME]).hexdigest()
    actual_csv = hashlib.sha256(files.get(CSV_NAME, b"")).hexdigest()
    if actual != recorded:
        result.add(
            "bundle",
            False,
            f"the bundle's SHA-256 {actual[:16]}… differs from the signed record {recorded[:16]}…",
        )
    elif actual_csv != recorded_csv:
        result.add("bundle", False, "the events CSV differs from the signed record")
    else:
        result.add(
            "bundle", True, f"bundle and CSV match the hashes recorded in the signed PDF ({actual[:16]}…)"
        )


def _check_checkpoint(
    result: VerificationResult, bundle: dict[str, Any], public_key: Ed25519PublicKey
) -> SignedCheckpoint | None:
    data = bundle.get("checkpoint") or {}
    checkpoint = SignedCheckpoint(
        "report bundle", data.get("statement") or {}, str(data.get("signature", ""))
    )
    if not checkpoint.statement or not checkpoint.signature_valid(public_key):
        result.add(
            "checkpoint", False, "the checkpoint's signature does not verify with the given public key"
        )
        return None
    chain_id = bundle.get("chain_id")
    cover = (bundle.get("facts") or {}).get("cover") or {}
    if (
        not (chain_id == checkpoint.chain_id == cover.get("chain_id"))
        or cover.get("chain_head") != checkpoint.head
    ):
        result.add(
            "chain id", False, "the bundle, its cover and its checkpoint name different chains or heads"
        )
        return None
    result.add(
        "checkpoint", True, f"Ed25519 signature valid; chain {checkpoint.chain_id}, size {checkpoint.size}"
    )
    return checkpoint


def _verify_event(entry: dict[str, Any], checkpoint: SignedCheckpoint) -> str | None:
    """None if the event's hashes and inclusion proof hold, else what is wrong."""
    seq = int(entry["seq"])
    canonical = str(entry["canonical"]).encode("utf-8")
    body = json.loads(canonical)
    if canonical_json(body) != canonical:
        return f"event #{seq}: its text is not canonical JSON"
    if body.get("seq") != seq or body.get("chain_id") != checkpoint.chain_id:
        return f"event #{seq}: its text names another seq or chain"
    leaf = leaf_hash(canonical)
    if leaf.hex() != entry["leaf"]:
        return f"event #{seq}: leaf hash does not match its canonical text"
    previous = bytes.fromhex(entry["previous_link"])
    if seq == 1 and previous != GENESIS_LINK:
        return "event #1 must follow the genesis link"
    if link_hash(previous, leaf).hex() != entry["link"]:
        return f"event #{seq}: link does not follow from its previous link and leaf"
    if seq > checkpoint.size:
        return f"event #{seq} is beyond the checkpoint (size {checkpoint.size})"
    if seq == checkpoint.size and entry["link"] != checkpoint.head:
        return f"event #{seq}: its link differs from the checkpoint's head"
    proof = [bytes.fromhex(node) for node in entry["proof"]]
    try:
        root = root_from_inclusion_proof(leaf, seq - 1, checkpoint.size, proof)
    except ValueError as exc:
        return f"event #{seq}: inclusion proof malformed ({exc})"
    if root.hex() != checkpoint.root:
        return f"event #{seq}: inclusion proof does not lead to the checkpoint's Merkle root"
    return None


def _check_events(result: VerificationResult, bundle: dict[str, Any], checkpoint: SignedCheckpoint) -> None:
    events = bundle.get("events")
    if not isinstance(events, list) or len(events) != bundle.get("event_count"):
        result.add("events", False, "the bundle's event list is missing or incomplete")
        return
    seen: set[int] = set()
    for entry in events:
        problem = _verify_event(entry, checkpoint)
        if problem is None and entry["seq"] in seen:
            problem = f"event #{entry['seq']} appears twice"
        if problem:
            result.add("events", False, problem)
            return
        seen.add(entry["seq"])
    table = ((bundle.get("facts") or {}).get("events") or {}).get("rows") or []
    if any(row.get("seq") not in seen for row in table):
        result.add("events", False, "the events table lists an event the bundle does not prove")
        return
    result.event_count = len(events)
    result.add("events", True, f"{len(events)} events: leaves, links and inclusion proofs all hold")


def _check_certificate_enrolment(
    result: VerificationResult,
    bundle: dict[str, Any],
    checkpoint: SignedCheckpoint,
    signer_sha256: str | None,
) -> None:
    certificate = bundle.get("certificate") or {}
    enrolment = certificate.get("enrolment") or {}
    problem = _verify_event(enrolment, checkpoint) if enrolment else "the bundle has no enrolment event"
    if problem is None:
        body = json.loads(enrolment["canonical"])
        payload = body.get("payload") or {}
        if body.get("action") != CERT_ENROLLED_ACTION or payload.get("sha256") != certificate.get("sha256"):
            problem = "the enrolment event does not enrol this certificate"
        elif signer_sha256 is not None and signer_sha256 != certificate.get("sha256"):
            problem = "the PDF is signed by a certificate that Steward's ledger never enrolled"
    if problem:
        result.add("certificate", False, problem)
    else:
        result.add(
            "certificate",
            True,
            f"the signer certificate is enrolled in the ledger (event #{enrolment['seq']})",
        )
