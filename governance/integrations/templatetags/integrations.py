"""Template helpers of the integration pages."""

from __future__ import annotations

from django import template

register = template.Library()

# Delivery and callback statuses → an existing badge colour of the shared stylesheet (the text is shown too).
BADGES = {
    "received": "submitted",
    "processing": "in_validation",
    "retry": "changes_requested",
    "processed": "approved",
    "ignored": "retired",
    "rejected": "rejected",
    "failed": "rejected",
    "pending": "changes_requested",
    "sending": "in_validation",
    "sent": "approved",
}


@register.filter
def status_badge(status: str) -> str:
    return "badge--" + BADGES.get(status, "rejected")
