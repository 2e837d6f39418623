from django.apps import AppConfig


class BiasReviewsConfig(AppConfig):
    """Bias reviews, per-group fairness metrics and their computation."""

    name = "governance.bias_reviews"
    label = "bias_reviews"
    verbose_name = "Bias reviews"

    def ready(self) -> None:
        from governance.bias_reviews import panels  # UI wiring (edge code)

        panels.register()
