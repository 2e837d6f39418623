from django.apps import AppConfig


class ModelCardsConfig(AppConfig):
    """Document templates, documents and immutable revisions (model cards, Annex IV, validation reports)."""

    name = "governance.model_cards"
    label = "model_cards"
    verbose_name = "Model cards"

    def ready(self) -> None:
        # UI wiring only: the panels module is edge code (it reads lifecycle visibility and the web registry).
        from governance.model_cards import panels
        from governance.web.navigation import NavItem, register_nav_item

        panels.register()
        register_nav_item(
            NavItem("templates", "Templates", "model_cards:templates", frozenset({"admin"}), order=85)
        )
