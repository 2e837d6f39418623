from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The hash-chained, append-only audit ledger (DESIGN §4)."""

    name = "governance.audit"
    label = "audit"
    verbose_name = "Audit ledger"
