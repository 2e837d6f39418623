from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Audit report jobs and PDF rendering."""

    name = "governance.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from governance.reports import checks, wiring  # noqa: F401  (registers checks, panels, nav)

        wiring.register()
