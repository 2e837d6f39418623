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
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from governance.integrations.models import RegistryVersionLink
from governance.inventory.models import Asset, AssetVersion
from governance.oversight.models import BLOCKING_SEVERITIES, UNRESOLVED_STATUSES, Finding
from lifecycle.gates import Gate
from lifecycle.models import ApprovalPolicy, ApprovalRequest, Purpose, RequestStatus, Waiver
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


# The gate is asked before every deployment by CI pipelines, so it is a hot path: its two
# statements are written out in SQL (portable: PostgreSQL and the embedded SQLite) because building
# and compiling the equivalent ORM expressions (four correlated subqueries, a UNION) cost about ten
# times the queries themselves. The rules are the ones in the module docstring; test_gate.py pins them.
# Fragments name the version and its asset as {vid} and {aid}: columns of `v` in the gate's query,
# parameters in the query naming the blockers.
_WAIVER_SCOPE = "({w}.version_id = {{vid}} OR ({w}.version_id IS NULL AND {w}.asset_id = {{aid}}))"
_LAPSED_WAIVERS = f"""
    FROM {Waiver._meta.db_table} w
    WHERE {_WAIVER_SCOPE.format(w="w")} AND w.revoked_at IS NULL AND w.expires_at <= %(now)s
      AND NOT EXISTS (
        SELECT 1 FROM {Waiver._meta.db_table} r
        WHERE {_WAIVER_SCOPE.format(w="r")} AND r.gate = w.gate
          AND r.revoked_at IS NULL AND r.expires_at > %(now)s
      )
"""  # noqa: S608 - table names from model metadata, every value a parameter (as below)
_BLOCKING_FINDINGS = f"""
    FROM {Finding._meta.db_table} f
    WHERE f.asset_id = {{aid}} AND (f.version_id IS NULL OR f.version_id = {{vid}})
      AND f.severity IN %(severities)s AND f.status IN %(unresolved)s
"""
_LATEST_APPROVAL = f"""
    FROM {ApprovalRequest._meta.db_table} q
    WHERE q.version_id = v.id AND q.purpose = %(approval)s AND q.status = %(approved)s
    ORDER BY q.closed_at DESC, q.id DESC LIMIT 1
"""
_OF_V = {"vid": "v.id", "aid": "v.asset_id"}
_GATE_SQL = f"""
SELECT v.id, v.label, v.stage, v.next_review_at, v.asset_id,
       a.slug, a.stage, a.team_id, a.owner_id,
       (SELECT q.closed_at {_LATEST_APPROVAL}),
       (SELECT p.approval_validity_days FROM {ApprovalPolicy._meta.db_table} p
         WHERE p.id = (SELECT q.policy_id {_LATEST_APPROVAL})),
       (SELECT COUNT(*) {_BLOCKING_FINDINGS.format(**_OF_V)}),
       (SELECT COUNT(*) {_LAPSED_WAIVERS.format(**_OF_V)})
FROM {AssetVersion._meta.db_table} v
JOIN {Asset._meta.db_table} a ON a.id = v.asset_id
WHERE """  # noqa: S608
_BY_ID = "v.id = %(version_id)s"
_BY_REGISTRY = f"""v.id = (
    SELECT l.asset_version_id FROM {RegistryVersionLink._meta.db_table} l
    WHERE l.connection_id = %(connection)s AND l.model_name = %(model)s AND l.version = %(version)s
)"""  # noqa: S608
_OF_PARAMS = {"vid": "%(version_id)s", "aid": "%(asset_id)s"}
_BLOCKERS_SQL = f"""
SELECT 'finding', f.id, f.severity, f.title, NULL {_BLOCKING_FINDINGS.format(**_OF_PARAMS)}
UNION ALL
SELECT 'waiver', w.id, w.gate, w.justification, w.expires_at {_LAPSED_WAIVERS.format(**_OF_PARAMS)}
"""


_FIXED_PARAMS = {
    "severities": tuple(str(s) for s in sorted(BLOCKING_SEVERITIES)),
    "unresolved": tuple(str(s) for s in sorted(UNRESOLVED_STATUSES)),
    "approval": str(Purpose.APPROVAL),
    "approved": str(RequestStatus.APPROVED),
}


def _params(now: datetime, **extra: Any) -> dict[str, Any]:
    return {"now": connection.ops.adapt_datetimefield_value(now), **_FIXED_PARAMS, **extra}


def _execute(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    # IN %(name)s with a tuple: psycopg2 expands it; for SQLite, spell the placeholders out.
    if connection.vendor != "postgresql":
        for name in ("severities", "unresolved"):
            values = tuple(params.pop(name))
            keys = [f"{name}_{i}" for i in range(len(values))]
            params.update(zip(keys, values, strict=True))
            sql = sql.replace(f"%({name})s", "(" + ", ".join(f"%({k})s" for k in keys) + ")")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _moment(value: object) -> datetime | None:
    """A timestamp column as an aware datetime (SQLite returns text, PostgreSQL a datetime)."""
    if value is None:
        return None
    moment = parse_datetime(value) if isinstance(value, str) else value
    if not isinstance(moment, datetime):
        raise TypeError(f"not a timestamp: {value!r}")
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, UTC)


def find(
    *,
    version_id: int | None = None,
    connection_id: int | None = None,
    model: str | None = None,
    version: str | None = None,
    now: datetime | None = None,
) -> AssetVersion | None:
    """The version (by Steward id, or by registry connection, model and version) with its asset and
    what the gate needs, in one query; None if there is no such version. Visibility is the caller's."""
    now = now or timezone.now()
    extra: dict[str, Any]
    if version_id is not None:
        sql, extra = _GATE_SQL + _BY_ID, {"version_id": version_id}
    else:
        sql = _GATE_SQL + _BY_REGISTRY
        extra = {"connection": connection_id, "model": model, "version": version}
    rows = _execute(sql, _params(now, **extra))
    if not rows:
        return None
    (pk, label, stage, next_review_at, asset_id, slug, asset_stage, team_id, owner_id) = rows[0][:9]
    approved_at, validity, findings, waivers = rows[0][9:]
    found = AssetVersion(
        id=pk, label=label, stage=stage, next_review_at=_moment(next_review_at), asset_id=asset_id
    )
    found.asset = Asset(id=asset_id, slug=slug, stage=asset_stage, team_id=team_id, owner_id=owner_id)
    found.approved_at = _moment(approved_at)  # type: ignore[attr-defined]
    found.approval_validity_days = validity  # type: ignore[attr-defined]
    found.blocking_findings = findings  # type: ignore[attr-defined]
    found.lapsed_waivers = waivers  # type: ignore[attr-defined]
    return found


def _named_blockers(version: AssetVersion, now: datetime) -> list[tuple[str, int, str, str, datetime | None]]:
    """Blocking findings and lapsed waivers, named, in one query (a UNION)."""
    rows = _execute(_BLOCKERS_SQL, _params(now, version_id=version.pk, asset_id=version.asset_id))
    named = [(kind, pk, what, title, _moment(expired)) for kind, pk, what, title, expired in rows]
    return sorted(named, key=lambda row: (row[0], row[1]))[:50]


def evaluate(version: AssetVersion, *, now: datetime | None = None) -> GateVerdict:
    """The verdict for a version fetched by find() (one more query only if records block it)."""
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
