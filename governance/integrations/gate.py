"""The deployment gate: may this version be deployed now? Allowed or blocked, with every reason.

Pipelines ask it before they deploy (GET /api/v1/gate/). One query reads the version with its
asset and annotations for everything that can block it (approval time and validity, counts of
blocking findings and lapsed waivers); a second one, only when findings or waivers block, names
them. So an answer costs at most two queries.

Blocking: a stage other than approved/deployed; an asset that is not active; for a version not yet
deployed, an approval older than its policy's validity; unresolved high or critical findings on the
version or its asset; a waiver that has expired (not revoked, and not replaced by a valid waiver
of the same gate) — it blocks until it is renewed or revoked; an overdue periodic review.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import CharField, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from governance.inventory.models import AssetVersion
from governance.oversight.models import BLOCKING_SEVERITIES, UNRESOLVED_STATUSES, Finding
from lifecycle.gates import Gate
from lifecycle.models import ApprovalRequest, Purpose, RequestStatus, Waiver
from lifecycle.stages import AssetStage, VersionStage

DEPLOYABLE = frozenset({VersionStage.APPROVED, VersionStage.DEPLOYED})


@dataclass(frozen=True)
class Reason:
    code: str
    message: str


@dataclass
class GateVerdict:
    version: AssetVersion
    checked_at: datetime
    reasons: list[Reason] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return not self.reasons


def _count(queryset: QuerySet) -> Coalesce:
    counted = queryset.order_by().values("asset_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _blocking_findings(version: OuterRef | int, asset: OuterRef | int) -> QuerySet[Finding]:
    return Finding.objects.filter(
        Q(version__isnull=True) | Q(version_id=version),
        asset_id=asset,
        severity__in=BLOCKING_SEVERITIES,
        status__in=UNRESOLVED_STATUSES,
    )


def _lapsed_waivers(version: OuterRef | int, asset: OuterRef | int, now: datetime) -> QuerySet[Waiver]:
    """Expired, unrevoked waivers of the version or its asset with no valid waiver of the same gate."""
    scope = Q(version_id=version) | Q(version__isnull=True, asset_id=asset)
    renewed = Waiver.objects.filter(scope, gate=OuterRef("gate"), revoked_at__isnull=True, expires_at__gt=now)
    return Waiver.objects.filter(scope, revoked_at__isnull=True, expires_at__lte=now).exclude(Exists(renewed))


def _approval(field_name: str) -> Subquery:
    latest = ApprovalRequest.objects.filter(
        version_id=OuterRef("pk"), purpose=Purpose.APPROVAL, status=RequestStatus.APPROVED
    ).order_by("-closed_at", "-pk")
    return Subquery(latest.values(field_name)[:1])


def gate_queryset(versions: QuerySet[AssetVersion], *, now: datetime | None = None) -> QuerySet[AssetVersion]:
    """`versions` annotated with what the gate needs, in one SQL statement."""
    now = now or timezone.now()
    return versions.select_related("asset").annotate(
        approved_at=_approval("closed_at"),
        approval_validity_days=_approval("policy__approval_validity_days"),
        blocking_findings=_count(_blocking_findings(OuterRef("pk"), OuterRef("asset_id"))),
        lapsed_waivers=_count(_lapsed_waivers(OuterRef("pk"), OuterRef("asset_id"), now)),
    )


def _named_blockers(version: AssetVersion, now: datetime) -> list[tuple[str, int, str, str, datetime | None]]:
    """Blocking findings and lapsed waivers, named, in one query (a UNION)."""
    findings = (
        _blocking_findings(version.pk, version.asset_id)
        .order_by()
        .values_list(
            Value("finding", output_field=CharField()),
            "pk",
            "severity",
            "title",
            Value(None, output_field=CharField()),
        )
    )
    waivers = (
        _lapsed_waivers(version.pk, version.asset_id, now)
        .order_by()
        .values_list(Value("waiver", output_field=CharField()), "pk", "gate", "justification", "expires_at")
    )
    return sorted(findings.union(waivers, all=True).order_by()[:50], key=lambda row: (row[0], row[1]))


def evaluate(version: AssetVersion, *, now: datetime | None = None) -> GateVerdict:
    """The verdict for a version fetched through gate_queryset (one more query only if records block)."""
    now = now or timezone.now()
    verdict = GateVerdict(version, now)
    add = verdict.reasons.append
    stage = version.get_stage_display().lower()
    if version.stage not in DEPLOYABLE:
        add(
            Reason(
                "stage",
                f"Version {version.label} is {stage}; only approved or deployed versions may be deployed.",
            )
        )
    asset = version.asset
    if asset.stage != AssetStage.ACTIVE:
        add(
            Reason(
                "asset_stage", f"The asset {asset.slug} is {asset.get_stage_display().lower()}, not active."
            )
        )
    approved_at = getattr(version, "approved_at", None)
    validity = getattr(version, "approval_validity_days", None)
    if version.stage == VersionStage.APPROVED and approved_at is not None and validity is not None:
        expires = approved_at + timedelta(days=validity)
        if expires <= now:
            add(
                Reason(
                    "approval_expired",
                    f"The approval expired on {expires:%Y-%m-%d %H:%M} UTC ({validity} days after approval).",
                )
            )
    if getattr(version, "blocking_findings", 0) or getattr(version, "lapsed_waivers", 0):
        for kind, pk, what, title, expired_at in _named_blockers(version, now):
            if kind == "finding":
                add(Reason("open_finding", f"Open {what} finding #{pk}: {title}"))
            else:
                label = Gate(what).label if what in Gate.values else what
                when = f" on {expired_at:%Y-%m-%d}" if isinstance(expired_at, datetime) else ""
                add(Reason("waiver_expired", f"Waiver #{pk} of “{label}” expired{when}; renew or revoke it."))
    if version.next_review_at is not None and version.next_review_at <= now:
        add(
            Reason(
                "review_overdue",
                f"The periodic review was due on {version.next_review_at:%Y-%m-%d} and is overdue.",
            )
        )
    return verdict
