"""Inventory's domain errors."""


class FrozenError(Exception):
    """The object is in a stage where it can no longer change (answers 409)."""

    http_status = 409
