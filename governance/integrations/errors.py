"""Integration's domain errors."""


class IntegrationStateError(Exception):
    """Not possible in the object's current state (answers 409 with the reason)."""

    http_status = 409
    code = "conflict"
