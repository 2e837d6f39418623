"""Policy pages: everyone reads policies; administrators create and edit them (an edit = a new version)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from governance.accounts.roles import Role
from governance.audit.actors import Actor
from lifecycle.approvals.policies import (
    POLICY_FIELDS,
    RuleSpec,
    create_policy,
    current_policies,
    update_policy,
)
from lifecycle.models import ApprovalPolicy, Purpose
from lifecycle.ui.forms import PolicyForm


def _is_admin(request: HttpRequest) -> bool:
    return request.user.has_role(Role.ADMIN)  # type: ignore[union-attr]


@login_required
def policy_list(request: HttpRequest) -> HttpResponse:
    policies = sorted(current_policies(), key=lambda p: (not p.is_active, p.name))
    return render(
        request, "lifecycle/policies/list.html", {"policies": policies, "is_admin": _is_admin(request)}
    )


@login_required
def policy_detail(request: HttpRequest, key: str) -> HttpResponse:
    versions = list(
        ApprovalPolicy.objects.filter(key=key).prefetch_related("rules__named_team").order_by("-version")
    )
    if not versions:
        return render(request, "404.html", status=404)
    shown = versions[0]
    wanted = request.GET.get("version")
    if wanted and wanted.isdigit():
        shown = next((v for v in versions if v.version == int(wanted)), shown)
    return render(
        request,
        "lifecycle/policies/detail.html",
        {
            "policy": shown,
            "versions": versions,
            "is_admin": _is_admin(request),
            "rules": list(shown.rules.all()),
        },
    )


def _initial(policy: ApprovalPolicy) -> dict[str, Any]:
    data: dict[str, Any] = {name: getattr(policy, name) for name in POLICY_FIELDS}
    data["key"] = policy.key
    data["required_evidence"] = ", ".join(policy.required_evidence)
    for rule in policy.rules.all():
        p = f"{rule.purpose}_"
        data |= {
            p + "quorum": rule.quorum,
            p + "min_risk_committee": rule.min_risk_committee,
            p + "required_role": rule.required_role,
            p + "named_team": rule.named_team_id,
            p + "named_role": rule.named_role,
            p + "gates": rule.gates,
        }
    return data


def _specs(data: dict[str, Any]) -> list[RuleSpec]:
    return [
        RuleSpec(
            purpose=purpose,
            quorum=data[f"{purpose}_quorum"],
            min_risk_committee=data[f"{purpose}_min_risk_committee"],
            required_role=data[f"{purpose}_required_role"],
            named_team=data[f"{purpose}_named_team"],
            named_role=data[f"{purpose}_named_role"],
            gates=list(data[f"{purpose}_gates"]),
        )
        for purpose in Purpose.values
    ]


def _fields(data: dict[str, Any]) -> dict[str, Any]:
    fields = {name: data[name] for name in POLICY_FIELDS if name in data}
    fields["required_evidence"] = [
        k.strip() for k in data.get("required_evidence", "").split(",") if k.strip()
    ]
    fields["ai_act_category"] = data.get("ai_act_category") or ""
    fields.pop("bias_thresholds", None)
    return fields


def _apply_errors(form: PolicyForm, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
def policy_edit(request: HttpRequest, key: str | None = None) -> HttpResponse:
    """Create (no key) or edit a policy; an edit writes the next version. Administrators only."""
    if not _is_admin(request):
        raise PermissionDenied("Only administrators may change approval policies.")
    current = get_object_or_404(ApprovalPolicy, key=key, is_current=True) if key else None
    initial = _initial(current) if current else {"is_active": True}
    form = PolicyForm(request.POST or None, initial=initial, editing=current is not None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        actor = Actor.from_request(request)
        try:
            if current is None:
                policy = create_policy(
                    actor=actor, key=data["key"], rules=_specs(data), note=data["note"], **_fields(data)
                )
            else:
                policy = update_policy(
                    actor=actor, policy=current, rules=_specs(data), note=data["note"], **_fields(data)
                )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"Saved {policy}.")
            return redirect("lifecycle:policy", key=policy.key)
    status = 400 if request.method == "POST" else 200
    return render(request, "lifecycle/policies/form.html", {"form": form, "policy": current}, status=status)
