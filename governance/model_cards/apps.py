from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_seeded_templates(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """After migrate (and after a test flush): the seeded templates exist (idempotent, by slug).

    The data migration installs them once; a database flushed since (tests) would otherwise have no
    model card template at all.
    """
    from django.db import connections

    from governance.model_cards.models import DocumentTemplate, TemplateVersion
    from governance.model_cards.seeded import install_seeded_templates

    # Not when migrating backwards past the tables' creation.
    if (
        using == "default"
        and DocumentTemplate._meta.db_table in connections[using].introspection.table_names()
    ):
        install_seeded_templates(DocumentTemplate, TemplateVersion)


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
        post_migrate.connect(
            _ensure_seeded_templates, sender=self, dispatch_uid="model_cards_seeded_templates"
        )
