from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_incident_kinds(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """After migrate (and after a test flush): the default incident kinds exist (idempotent)."""
    from django.db import connections

    from governance.oversight.incidents.kinds import ensure_default_kinds
    from governance.oversight.models.incidents import IncidentKind

    # Not when migrating backwards past the table's creation.
    if using == "default" and IncidentKind._meta.db_table in connections[using].introspection.table_names():
        ensure_default_kinds()


class OversightConfig(AppConfig):
    """Findings, monitoring plans and observations, incidents."""

    name = "governance.oversight"
    label = "oversight"
    verbose_name = "Oversight"

    def ready(self) -> None:
        from governance.oversight import panel_views
        from governance.oversight.incidents import tasks  # noqa: F401  (Celery registers the deadline tasks)

        panel_views.register()
        post_migrate.connect(_ensure_incident_kinds, sender=self, dispatch_uid="oversight_incident_kinds")
