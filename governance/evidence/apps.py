from django.apps import AppConfig


class EvidenceConfig(AppConfig):
    """Uploaded evidence files with their SHA-256, superseded and never deleted."""

    name = "governance.evidence"
    label = "evidence"
    verbose_name = "Evidence"

    def ready(self) -> None:
        from governance.evidence import panels  # UI wiring (edge code)

        panels.register()
