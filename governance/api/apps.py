from django.apps import AppConfig


class ApiConfig(AppConfig):
    """DRF plumbing shared by every app's API: schema, idempotency records, rate limits, body limits."""

    name = "governance.api"
    label = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_login_failed

        from governance.api import schema  # noqa: F401  (registers the OpenAPI auth extension)
        from governance.api.middleware import count_login_failure

        user_login_failed.connect(count_login_failure, dispatch_uid="steward_count_login_failure")
