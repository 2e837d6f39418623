"""PAdES signature of the finished PDF with the report certificate (pyHanko), as an incremental update.

The signature covers every byte of the file but its own /Contents, so any PDF reader shows an edit
made afterwards. Signing is offline: no timestamp authority, no revocation fetching. The key is
loaded (and RSA-validated) once per worker process, not once per signature.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.general import get_pyca_cryptography_hash

from governance.reports.certificates import ReportCertificate

SIGNATURE_FIELD = "StewardAuditReport"
SIGNATURE_BYTES = 8192  # CMS with an RSA-3072 signature and one certificate takes about 2.5 kB


class _ReportSigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner re-parses the private key for every signature; this keeps it parsed."""

    private_key: Any = None

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        if mechanism == "rsassa_pkcs1v15" and isinstance(self.private_key, RSAPrivateKey):
            return self.private_key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        return super().sign_raw(data, digest_algorithm)


@lru_cache(maxsize=2)
def _signer(
    key_path: str, cert_path: str, passphrase: bytes | None, mtimes: tuple[float, float]
) -> _ReportSigner:
    loaded = signers.SimpleSigner.load(key_path, cert_path, key_passphrase=passphrase)
    if loaded is None:
        raise ValueError("the report signing key does not match its certificate or cannot be read")
    signer = _ReportSigner(loaded.signing_cert, loaded.signing_key, loaded.cert_registry)
    signer.private_key = serialization.load_pem_private_key(Path(key_path).read_bytes(), password=passphrase)
    return signer


def load_signer(certificate: ReportCertificate) -> _ReportSigner:
    mtimes = (certificate.key_path.stat().st_mtime, certificate.cert_path.stat().st_mtime)
    return _signer(str(certificate.key_path), str(certificate.cert_path), certificate.passphrase, mtimes)


def sign_pdf(data: bytes, certificate: ReportCertificate, *, reason: str, location: str = "Steward") -> bytes:
    """Return `data` with a PAdES baseline (B-B) signature appended by the report certificate."""
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason[:200],
        location=location,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    # Reserving the signature's room up front spares pyHanko a trial signature to measure it.
    out = signers.sign_pdf(writer, meta, signer=load_signer(certificate), bytes_reserved=SIGNATURE_BYTES)
    return out.getvalue()
