from django.apps import AppConfig


class WebConfig(AppConfig):
    """The UI shell: layout, navigation, home page, shared template tags."""

    name = "governance.web"
    label = "web"
    verbose_name = "Web"
