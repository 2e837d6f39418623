from django.apps import AppConfig


class InventoryConfig(AppConfig):
    """ML assets and their versions: the technical identity of what is governed."""

    name = "governance.inventory"
    label = "inventory"
    verbose_name = "Inventory"
