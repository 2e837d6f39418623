"""The report signing certificate: generated for development, configured in production.

Only the rendering worker reads the private key. The certificate's SHA-256 fingerprint is enrolled
in the audit ledger (one `report.certificate_enrolled` event), so an offline verifier holding only
the checkpoint public key can tell Steward's certificate from anyone else's: the enrolment event is
shipped in each report's bundle with a Merkle inclusion proof against a signed checkpoint.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.db import transaction

from governance.audit.actors import Actor
from governance.audit.event_types import AuditAction
from governance.audit.ledger import ObjectRef, record_event
from governance.audit.models import AuditEvent

CERTIFICATE_OBJECT_TYPE = "reports.signingcertificate"


class CertificateError(RuntimeError):
    """The report certificate or its key is missing or unusable: Steward will not sign with it."""


@dataclass(frozen=True)
class ReportCertificate:
    cert_path: Path
    key_path: Path
    passphrase: bytes | None
    certificate: x509.Certificate

    @property
    def fingerprint(self) -> str:
        return certificate_fingerprint(self.certificate)

    @property
    def subject(self) -> str:
        return self.certificate.subject.rfc4514_string()

    def pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()


def certificate_fingerprint(certificate: x509.Certificate) -> str:
    """Hex SHA-256 of the certificate's DER encoding (what enrolment records and verifiers compare)."""
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


def fingerprint_display(fingerprint: str) -> str:
    return "SHA256:" + ":".join(fingerprint[i : i + 2] for i in range(0, 32, 2))


def generate_certificate(cert_path: Path, key_path: Path, *, common_name: str) -> x509.Certificate:
    """Write a self-signed RSA-3072 certificate (10 years) and its key (PKCS#8 PEM, mode 0600).

    RSA rather than ECDSA: pyHanko marks ECDSA/EdDSA signatures with PDF 2.0 extensions, and the
    report must stay a PDF 1.7-based PDF/A-3b file after signing.
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Steward"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_path.parent.mkdir(parents=True, exist_ok=True)
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return certificate


def _paths() -> tuple[Path, Path]:
    return Path(settings.STEWARD_REPORT_CERT_FILE), Path(settings.STEWARD_REPORT_KEY_FILE)


def load_certificate() -> x509.Certificate:
    """The configured certificate (public part only; the web process may show and serve it)."""
    cert_path, key_path = _paths()
    if settings.DEBUG and not cert_path.exists() and not key_path.exists():
        generate_certificate(cert_path, key_path, common_name="Steward report signing (development)")
    try:
        return x509.load_pem_x509_certificate(cert_path.read_bytes())
    except (OSError, ValueError) as exc:
        raise CertificateError(
            f"Steward will not render unsigned reports: the report certificate {cert_path} cannot be read "
            f"({exc}). Set STEWARD_REPORT_CERT_FILE and STEWARD_REPORT_KEY_FILE."
        ) from exc


def signing_certificate() -> ReportCertificate:
    """Certificate and key paths for the signer; raises CertificateError when either is unusable."""
    certificate = load_certificate()
    cert_path, key_path = _paths()
    if not key_path.is_file():
        raise CertificateError(
            f"Steward will not render unsigned reports: the report signing key {key_path} does not exist "
            "(set STEWARD_REPORT_KEY_FILE)."
        )
    now = dt.datetime.now(dt.UTC)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise CertificateError(
            f"The report certificate {cert_path} is not valid now "
            f"({certificate.not_valid_before_utc:%Y-%m-%d} to {certificate.not_valid_after_utc:%Y-%m-%d})."
        )
    passphrase = settings.STEWARD_REPORT_KEY_PASSPHRASE.encode() or None
    return ReportCertificate(cert_path, key_path, passphrase, certificate)


def enrolment_event(fingerprint: str) -> AuditEvent | None:
    return (
        AuditEvent.objects.filter(
            action=AuditAction.REPORT_CERTIFICATE_ENROLLED,
            object_type=CERTIFICATE_OBJECT_TYPE,
            object_id=fingerprint,
        )
        .order_by("seq")
        .first()
    )


def enrol_certificate(report_certificate: ReportCertificate) -> AuditEvent:
    """Record the certificate in the ledger once (idempotent); returns its enrolment event."""
    fingerprint = report_certificate.fingerprint
    if (existing := enrolment_event(fingerprint)) is not None:
        return existing
    with transaction.atomic():
        certificate = report_certificate.certificate
        ref = ObjectRef(CERTIFICATE_OBJECT_TYPE, fingerprint, report_certificate.subject[:300])
        record_event(
            AuditAction.REPORT_CERTIFICATE_ENROLLED,
            actor=Actor.system("report-worker"),
            obj=ref,
            payload={
                "sha256": fingerprint,
                "subject": report_certificate.subject,
                "not_before": certificate.not_valid_before_utc,
                "not_after": certificate.not_valid_after_utc,
                "certificate_pem": report_certificate.pem(),
            },
        )
    # Two workers may enrol at once: the first event (lowest seq) is the enrolment both use.
    event = enrolment_event(fingerprint)
    if event is None:  # pragma: no cover - the transaction above committed it
        raise CertificateError("the certificate's enrolment event was not recorded")
    return event
