from __future__ import annotations

from django.apps import AppConfig


class LifecycleConfig(AppConfig):
    """The workflow over the records: stages, transitions, approvals."""

    name = "lifecycle"
    label = "lifecycle"
    verbose_name = "Lifecycle"

    def ready(self) -> None:
        # Gate modules register their gates on import (documentation, bias review, findings).
        from lifecycle import gates, gates_bias, gates_documents, gates_findings, hooks, monitoring  # noqa: F401
        from lifecycle.approvals import queries, requests
        from lifecycle.approvals.wiring import register_ui

        hooks.on_transition(requests.on_transition)
        if queries.valid_waiver not in gates.WAIVER_LOOKUP:
            gates.WAIVER_LOOKUP.append(queries.valid_waiver)
        register_ui()
        monitoring.register()  # the monitoring-plan gate and oversight records' event visibility
