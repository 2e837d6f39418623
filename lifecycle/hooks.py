"""Listeners called inside transition()'s transaction, before its audit event is appended.

Edge apps (integrations' outbox, notifications) register here in their AppConfig.ready(), so the
lifecycle never imports them and their rows commit or roll back with the stage change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from governance.audit.actors import Actor

if TYPE_CHECKING:
    from governance.inventory.models import Asset, AssetVersion
    from lifecycle.models import StageTransition


@dataclass(frozen=True)
class TransitionEvent:
    """A committed-to-be stage change, as listeners see it."""

    kind: str
    asset: Asset
    version: AssetVersion | None
    source: str
    target: str
    actor: Actor
    reason: str
    step: StageTransition


TransitionListener = Callable[[TransitionEvent], None]
_listeners: list[TransitionListener] = []


def on_transition(listener: TransitionListener) -> TransitionListener:
    """Register `listener` (idempotently); it runs in the transition's transaction and may write rows."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def notify_listeners(event: TransitionEvent) -> None:
    for listener in list(_listeners):
        listener(event)
