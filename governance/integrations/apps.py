from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """Registry connections, webhook intake and outbox callbacks."""

    name = "governance.integrations"
    label = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from governance.integrations.outbox import announce_transition
        from governance.integrations.views import version_panel
        from governance.web.navigation import NavItem, register_nav_item
        from governance.web.panels import Panel, register_version_panel
        from lifecycle.hooks import on_transition

        # Decisions on registry-linked versions write their outbox rows inside the transition.
        on_transition(announce_transition)
        register_version_panel(Panel("registry", "integrations/panel.html", version_panel, order=150))
        register_nav_item(
            NavItem(
                "registries",
                "Registries",
                "integrations:connections",
                frozenset({"admin", "compliance"}),
                order=88,
            )
        )
