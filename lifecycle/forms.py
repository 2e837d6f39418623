"""Lifecycle forms: a transition request, a point-in-time question, and the transition buttons.

The buttons come from available_transitions(), so the page offers exactly the moves transition()
would accept from this viewer, with the unmet gates of the ones not possible yet.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest

from governance.audit.actors import Actor
from governance.inventory.models import Asset, AssetVersion
from lifecycle.exceptions import LifecycleError
from lifecycle.queries import stage_at
from lifecycle.stages import STAGES, AssetStage, VersionStage
from lifecycle.transitions import available_transitions, kind_of

# Moves that end or interrupt something; their buttons are styled as dangerous.
DANGEROUS_TARGETS = frozenset(
    {
        VersionStage.REJECTED,
        VersionStage.RETIRED,
        VersionStage.SUSPENDED,
        AssetStage.REJECTED,
        AssetStage.RETIRED,
    }
)


class TransitionForm(forms.Form):
    """The shape of a transition request. Whether the move is allowed is transition()'s decision."""

    to = forms.CharField(max_length=20)
    reason = forms.CharField(max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    # The stage the page showed: a move made meanwhile by someone else answers 409 instead of applying.
    expected_from = forms.CharField(max_length=20, required=False, widget=forms.HiddenInput)


class StageAtForm(forms.Form):
    """A point-in-time question (what stage was this in at T?), answered from the transition rows, in UTC."""

    at = forms.DateTimeField(
        label="Date and time (UTC)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"}, format="%Y-%m-%dT%H:%M:%S"),
        input_formats=[
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%d %H:%M",
            "%Y-%m-%d",
        ],
    )

    def answer(self, obj: Asset | AssetVersion) -> dict[str, Any] | None:
        """The stage at the requested moment, or None when no (valid) moment was asked."""
        if not self.is_bound or not self.is_valid():
            return None
        moment = self.cleaned_data["at"]
        return {"at": moment, "stage": stage_at(obj, moment), "kind": kind_of(obj)}


def object_page_context(
    request: HttpRequest,
    obj: Asset | AssetVersion,
    *,
    transition_form: TransitionForm | None = None,
    transition_error: LifecycleError | None = None,
) -> dict[str, Any]:
    """The transition panel's context: each move the viewer may take, enabled or with its unmet reasons.

    After a failed attempt, the submitted form (its reason kept) and the error are shown by the move tried.
    """
    kind = kind_of(obj)
    tried = transition_form.data.get("to") if transition_form is not None else None
    typed_reason = transition_form.data.get("reason", "").strip() if transition_form is not None else ""
    options = []
    first_safe_enabled = True
    reopened = False  # whether the move tried is offered again as a reason form (holding the typed reason)
    for option in available_transitions(obj, Actor.from_request(request)):
        edge = option.edge
        dangerous = edge.target in DANGEROUS_TARGETS
        primary = option.enabled and not dangerous and first_safe_enabled
        first_safe_enabled = first_safe_enabled and not primary
        was_tried = tried == edge.target
        reopened = reopened or (was_tried and option.enabled and edge.reason_required)
        options.append(
            {
                "edge": edge,
                "unmet": option.unmet,
                "enabled": option.enabled,
                "style": "primary" if primary else "danger" if dangerous else "secondary",
                "tried": was_tried,
                "reason": typed_reason if was_tried else "",
            }
        )
    return {
        "kind": kind,
        # When the move tried is no longer offered as a form, echo the reason so nothing typed is lost.
        "transition_typed_reason": "" if reopened else typed_reason,
        "stage_label": STAGES[kind](obj.stage).label,
        "transition_options": options,
        "transition_form": transition_form,
        "transition_error": transition_error,
        "transition_reasons": [r for r in transition_error.reasons if r != transition_error.message]
        if transition_error is not None
        else [],
    }
