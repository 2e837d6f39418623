"""Approvals: each request with its policy version, pinned digest, and every signed decision (who,
role, meaning, comment, conditions, time, digest seen); waivers granted on the scope's gates."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q

from governance.reports.scopes import ReportContext
from governance.reports.sections.base import OBJECT_SCOPES, Section, register
from lifecycle.models import ApprovalRequest, Decision, RequestStatus, Waiver


def _objects(ctx: ReportContext) -> Q:
    """The scope's versions, and the asset itself (its proposal, asset-level waivers)."""
    return Q(version__in=ctx.versions()) | Q(asset=ctx.asset, version__isnull=True)


def gather(ctx: ReportContext) -> dict[str, Any] | None:
    if ctx.asset is None:
        return None
    moment = ctx.moment
    decisions = Decision.objects.filter(signed_at__lte=moment).order_by("signed_at", "id")
    requests = (
        ApprovalRequest.objects.filter(_objects(ctx), opened_at__lte=moment)
        .select_related("policy", "version")
        .prefetch_related(Prefetch("decisions", queryset=decisions))
        .order_by("opened_at", "id")
    )
    rows = []
    for request in requests:
        closed = request.closed_at is not None and request.closed_at <= moment
        rows.append(
            {
                "id": request.pk,
                "purpose": request.get_purpose_display(),
                "object": f"version {request.version.label}" if request.version else "asset proposal",
                "status": request.status if closed else RequestStatus.OPEN,
                "policy": {
                    "key": request.policy.key,
                    "version": request.policy.version,
                    "name": request.policy.name,
                },
                "digest": request.digest,
                "digest_version": request.digest_version,
                "opened_by": request.opened_by_name,
                "opened_at": request.opened_at,
                "closed_at": request.closed_at if closed else None,
                "outcome_note": request.outcome_note if closed else "",
                "decisions": [
                    {
                        "approver": d.approver_name,
                        "role": d.role,
                        "teams": d.teams,
                        "from_risk_committee": d.from_risk_committee,
                        "meaning": d.meaning,
                        "meaning_label": d.get_meaning_display(),
                        "comment": d.comment,
                        "conditions": d.conditions,
                        "digest_seen": d.digest_seen,
                        "digest_matches": d.digest_seen == request.digest,
                        "signature_method": d.signature_method,
                        "signed_at": d.signed_at,
                    }
                    for d in request.decisions.all()
                ],
            }
        )
    ctx.relate("lifecycle.approvalrequest", [r["id"] for r in rows])
    waivers = Waiver.objects.filter(_objects(ctx), granted_at__lte=moment).order_by("granted_at", "id")
    waiver_rows = [
        {
            "id": w.pk,
            "gate": w.get_gate_display(),
            "justification": w.justification,
            "granted_by": w.granted_by_name,
            "granted_at": w.granted_at,
            "expires_at": w.expires_at,
            "revoked_at": w.revoked_at if w.revoked_at and w.revoked_at <= moment else None,
            "revoke_reason": w.revoke_reason if w.revoked_at and w.revoked_at <= moment else "",
        }
        for w in waivers
    ]
    ctx.relate("lifecycle.waiver", [w["id"] for w in waiver_rows])
    return {"requests": rows, "waivers": waiver_rows}


register(Section("approvals", "Approvals", "reports/pdf/sections/approvals.html", 30, gather, OBJECT_SCOPES))
