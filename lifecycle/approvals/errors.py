"""Approval errors. All are LifecycleErrors, so the API maps them in one place (status, code, reasons)."""

from __future__ import annotations

from lifecycle.exceptions import LifecycleError


class RequestNotOpen(LifecycleError):
    """The request is closed or stale, or the object is not where a request can open."""

    http_status = 409
    code = "request_closed"


class AlreadyDecided(LifecycleError):
    """This approver has signed already, or the request was decided before this signature."""

    http_status = 409
    code = "already_decided"


class DigestChanged(LifecycleError):
    """What the approver saw is not what is under review now (the request is marked stale)."""

    http_status = 409
    code = "stale_digest"


class NotEligible(LifecycleError):
    """Separation of duties, a missing role or the quorum's composition keeps this person out."""

    http_status = 403
    code = "not_eligible"


class SignatureFailed(LifecycleError):
    """The password or signing token did not authenticate the signer."""

    http_status = 403
    code = "signature_failed"


class InvalidDecision(LifecycleError):
    """Bad input: unknown meaning, missing comment, malformed conditions."""

    http_status = 400
    code = "invalid_decision"


class NoPolicy(LifecycleError):
    """No approval policy covers the object."""

    http_status = 409
    code = "no_policy"
