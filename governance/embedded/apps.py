from django.apps import AppConfig


class EmbeddedConfig(AppConfig):
    """The embedded default: demo data made through the services, and periodic tasks run in-process."""

    name = "governance.embedded"
    label = "embedded"
    verbose_name = "Embedded mode"
