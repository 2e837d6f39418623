"""Reporting deadlines, pure: the countdown shown to people and which reminder is due when."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Countdown:
    """Time left until a deadline (negative once overdue), in words for the page and the email."""

    seconds: int

    @property
    def overdue(self) -> bool:
        return self.seconds < 0

    @property
    def text(self) -> str:
        span = _span(abs(self.seconds))
        return f"overdue by {span}" if self.overdue else f"due in {span}"


def _span(seconds: int) -> str:
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes = rest // 60
    if days:
        return f"{days} day{'s' if days != 1 else ''}" + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    return f"{max(minutes, 1)} min" if seconds >= 60 else "less than a minute"


def countdown(due_at: dt.datetime, now: dt.datetime) -> Countdown:
    return Countdown(int((due_at - now).total_seconds()))


def reminder_hours() -> list[int]:
    """Hours before a deadline at which reminders go out, largest first; 0 is the overdue notice."""
    return sorted({max(0, int(h)) for h in settings.STEWARD_INCIDENT_REMINDER_HOURS}, reverse=True)


def reminder_due(due_at: dt.datetime, now: dt.datetime, hours: Sequence[int]) -> int | None:
    """The reminder point that applies now: the smallest threshold the deadline is within, else None.

    With thresholds 72, 24 and 0: 50 hours left → 72; 20 hours left → 24; past the deadline → 0.
    """
    left = due_at - now
    applicable = [h for h in hours if left <= dt.timedelta(hours=h)]
    return min(applicable) if applicable else None
