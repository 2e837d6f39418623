"""Demo data for the embedded default: a small bank's model inventory, made only through the services.

Every object has real history: its transitions and audit events come from the same code paths a
user's clicks take. Later features add their own steps (documents, approvals, monitoring) here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from governance.accounts import services as accounts
from governance.accounts.models import Team, User
from governance.audit.actors import Actor
from governance.embedded import seed_approvals, seed_documentation, seed_monitoring, seed_registry
from governance.inventory import services as inventory
from governance.inventory.models import Asset, AssetVersion
from lifecycle.approvals.decisions import decide
from lifecycle.approvals.proposals import propose_asset
from lifecycle.approvals.queries import open_request
from lifecycle.approvals.signing import Signature
from lifecycle.transitions import transition

DEMO_PASSWORD = "steward-demo"  # noqa: S105 - published demo login, embedded mode only
SYSTEM = Actor.system("seed_demo")

# username, full name, roles, team slug — the README's table of demo logins mirrors this.
DEMO_USERS = [
    ("olivia", "Olivia Owner", ["owner"], "retail-credit"),
    ("victor", "Victor Validator", ["validator"], "model-risk"),
    ("alice", "Alice Approver", ["approver"], "model-risk"),
    ("amir", "Amir Approver", ["approver"], "model-risk"),
    ("carla", "Carla Compliance", ["compliance"], None),
    ("adam", "Adam Admin", ["admin"], None),
]


@dataclass
class Cast:
    teams: dict[str, Team]
    users: dict[str, User]

    def actor(self, username: str) -> Actor:
        return Actor.for_user(self.users[username])


def _people() -> Cast:
    teams = {
        "retail-credit": accounts.create_team(
            actor=SYSTEM,
            slug="retail-credit",
            name="Retail Credit Analytics",
            description="Builds and runs the retail lending models.",
        ),
        "model-risk": accounts.create_team(
            actor=SYSTEM,
            slug="model-risk",
            name="Model Risk Management",
            description="Independent validation and the model risk committee.",
            is_risk_committee=True,
        ),
    }
    users = {}
    for username, full_name, roles, team in DEMO_USERS:
        users[username] = accounts.create_user(
            actor=SYSTEM,
            username=username,
            full_name=full_name,
            email=f"{username}@steward.example",
            password=DEMO_PASSWORD,
            roles=roles,
            teams=[teams[team]] if team else [],
        )
    return Cast(teams, users)


def _asset(cast: Cast, slug: str, name: str, **fields: Any) -> Asset:
    fields.setdefault("kind", "model")
    return propose_asset(
        actor=cast.actor("olivia"), team=cast.teams["retail-credit"], slug=slug, name=name, **fields
    )


def _version(cast: Cast, asset: Asset, label: str, **fields: Any) -> AssetVersion:
    return inventory.register_version(actor=cast.actor("olivia"), asset=asset, label=label, **fields)


def _move(cast: Cast, obj: Asset | AssetVersion, *steps: tuple[str, str] | tuple[str, str, str]) -> None:
    """Apply transitions (stage, username[, reason]) in order, each through the one door."""
    for step in steps:
        stage, username, reason = (*step, "")[:3]
        if isinstance(obj, AssetVersion):
            seed_documentation.prepare(cast.users, obj, stage)  # model card, evidence, report, bias review
        transition(obj, stage, actor=cast.actor(username), reason=reason)


def sign(
    cast: Cast,
    obj: Asset | AssetVersion,
    *deciders: str,
    meaning: str = "approve",
    comment: str = "",
    **extra: Any,
) -> None:
    """Each decider signs the object's open approval request (password re-entered) until it closes."""
    request = open_request(obj)
    if request is None:
        raise RuntimeError(f"{obj} has no open approval request")
    for username in deciders:
        request.refresh_from_db()
        if request.status != "open":
            break
        decide(
            request.pk,
            actor=cast.actor(username),
            meaning=meaning,
            comment=comment,
            digest_seen=request.digest,
            signature=Signature(password=DEMO_PASSWORD),
            **extra,
        )
    obj.refresh_from_db()


def to_approved(cast: Cast, version: AssetVersion) -> None:
    """Owner submits, an independent validator validates, the committee approves (quorum by policy)."""
    seed_monitoring.plan_for(cast, version)  # approved with the version (it is in the review digest)
    _move(cast, version, ("submitted", "olivia"), ("in_validation", "victor"), ("validated", "victor"))
    sign(cast, version, "alice", "amir")


def approve_asset(cast: Cast, asset: Asset) -> None:
    sign(cast, asset, "alice", "amir")


def _digest(n: int) -> str:
    return f"{n:064x}"


@transaction.atomic
def seed_demo() -> Cast:
    """Create the demo teams, users and a dozen assets in various stages."""
    cast = _people()
    hp = {"max_depth": 6, "learning_rate": 0.05, "n_estimators": 400}

    features = _asset(
        cast,
        "transaction-features",
        "Transaction features dataset",
        kind="dataset",
        purpose="Monthly aggregates of card and account transactions used as model features.",
        ai_act_category="minimal",
        materiality_tier=3,
        tags=["features", "pii-free"],
    )
    approve_asset(cast, features)
    v = _version(
        cast,
        features,
        "2026-q3",
        source_registry="feature-store",
        registry_ref="fs://transactions/2026-q3",
        artifact_digest=_digest(101),
        training_data_refs=["s3://bank-lake/transactions/2026/q3/"],
    )
    to_approved(cast, v)

    pipeline = _asset(
        cast,
        "credit-scoring-pipeline",
        "Credit scoring pipeline",
        kind="pipeline",
        purpose="Feature engineering and scoring pipeline shared by the lending models.",
        ai_act_category="high",
        materiality_tier=1,
    )
    approve_asset(cast, pipeline)
    v = _version(cast, pipeline, "1.0", code_commit="4f2a9c1", artifact_digest=_digest(201))
    _move(
        cast,
        v,
        ("submitted", "olivia"),
        ("in_validation", "victor"),
        ("changes_requested", "victor", "Input validation does not reject negative incomes."),
    )

    pd_model = _asset(
        cast,
        "credit-default-pd",
        "Credit default PD model",
        purpose="Probability of default for unsecured personal loan applications.",
        intended_use="Credit decisioning for personal loans up to 25,000 EUR.",
        intended_users="Retail credit officers and the automated decision engine.",
        out_of_scope_uses="Mortgages, business lending, collections.",
        ai_act_category="high",
        materiality_tier=1,
        tags=["lending", "irb"],
        dependencies=[features, pipeline],
    )
    approve_asset(cast, pd_model)
    v1 = _version(
        cast,
        pd_model,
        "1.0",
        source_registry="mlflow",
        registry_ref="models:/credit-default-pd/1",
        run_id="a1b2c3d4",
        artifact_digest=_digest(301),
        code_commit="9e8d7c6",
        hyperparameters=hp,
        metrics={"auc": 0.812, "ks": 0.47, "brier": 0.081},
        training_data_refs=["s3://bank-lake/loans/2019-2025/"],
    )
    to_approved(cast, v1)
    _move(cast, v1, ("deployed", "olivia"))
    v2 = _version(
        cast,
        pd_model,
        "1.1",
        source_registry="mlflow",
        registry_ref="models:/credit-default-pd/2",
        run_id="e5f6a7b8",
        artifact_digest=_digest(302),
        code_commit="1a2b3c4",
        hyperparameters=hp,
        metrics={"auc": 0.824, "ks": 0.49, "brier": 0.078},
    )
    _move(cast, v2, ("submitted", "olivia"), ("in_validation", "victor"), ("validated", "victor"))

    fraud = _asset(
        cast,
        "card-fraud-detection",
        "Card fraud detection",
        purpose="Real-time fraud scoring of card transactions.",
        ai_act_category="high",
        materiality_tier=1,
        tags=["fraud", "real-time"],
    )
    approve_asset(cast, fraud)
    v3 = _version(
        cast,
        fraud,
        "3",
        source_registry="mlflow",
        registry_ref="models:/card-fraud/3",
        artifact_digest=_digest(401),
        metrics={"precision_at_1pct": 0.71, "recall": 0.64},
    )
    to_approved(cast, v3)
    _move(cast, v3, ("deployed", "olivia"))
    v4 = _version(
        cast,
        fraud,
        "4",
        source_registry="mlflow",
        registry_ref="models:/card-fraud/4",
        artifact_digest=_digest(402),
        metrics={"precision_at_1pct": 0.74, "recall": 0.66},
    )
    _move(cast, v4, ("submitted", "olivia"), ("in_validation", "victor"))
    seed_documentation.open_review(cast.users, v4)  # computed from predictions, breaching, not signed

    mortgage = _asset(
        cast,
        "mortgage-affordability",
        "Mortgage affordability",
        purpose="Estimates sustainable monthly repayments for mortgage applicants.",
        ai_act_category="high",
        materiality_tier=2,
    )
    approve_asset(cast, mortgage)
    v = _version(cast, mortgage, "2.0", artifact_digest=_digest(501), metrics={"mape": 0.087})
    to_approved(cast, v)

    collections = _asset(
        cast,
        "collections-prioritisation",
        "Collections prioritisation",
        purpose="Orders overdue accounts for outreach.",
        ai_act_category="limited",
        materiality_tier=2,
    )
    approve_asset(cast, collections)
    v = _version(cast, collections, "1.0", artifact_digest=_digest(601))
    _move(cast, v, ("submitted", "olivia"))

    churn = _asset(
        cast,
        "customer-churn",
        "Customer churn",
        purpose="Predicts current-account churn.",
        ai_act_category="minimal",
        materiality_tier=3,
    )
    approve_asset(cast, churn)
    old = _version(cast, churn, "1", artifact_digest=_digest(701))
    to_approved(cast, old)
    _move(
        cast,
        old,
        ("deployed", "olivia"),
        ("deprecated", "olivia"),
        ("retired", "olivia", "Replaced by version 2."),
    )
    new = _version(cast, churn, "2", artifact_digest=_digest(702), metrics={"auc": 0.77})
    to_approved(cast, new)
    _move(cast, new, ("deployed", "olivia"))

    propensity = _asset(
        cast,
        "marketing-propensity",
        "Savings propensity",
        purpose="Ranks customers for savings-product campaigns.",
        ai_act_category="minimal",
        materiality_tier=3,
    )
    _version(cast, propensity, "0.1", artifact_digest=_digest(801))

    ocr = _asset(
        cast,
        "kyc-document-ocr",
        "KYC document OCR",
        vendor="DocuScan Ltd",
        purpose="Extracts identity data from scanned documents during onboarding.",
        ai_act_category="limited",
        materiality_tier=2,
        tags=["third-party"],
    )
    approve_asset(cast, ocr)
    v = _version(cast, ocr, "5.2", artifact_digest=_digest(901))
    to_approved(cast, v)
    _move(cast, v, ("deployed", "olivia"))
    ocr_version = v  # suspended below by a monitoring breach: Polish ID cards misread since the vendor update

    assistant = _asset(
        cast,
        "complaints-assistant",
        "Complaints triage assistant",
        kind="llm_application",
        purpose="Drafts replies and routes customer complaints for human agents.",
        ai_act_category="limited",
        materiality_tier=2,
        tags=["llm"],
    )
    _version(cast, assistant, "0.3", artifact_digest=_digest(1001))

    legacy = _asset(
        cast,
        "legacy-scorecard",
        "Legacy application scorecard",
        purpose="Points-based application scorecard, superseded by the PD model.",
        ai_act_category="high",
        materiality_tier=1,
    )
    approve_asset(cast, legacy)
    v = _version(cast, legacy, "2011", artifact_digest=_digest(1101))
    _move(cast, v, ("retired", "olivia", "Superseded by the credit default PD model."))
    _move(cast, legacy, ("retired", "olivia", "Superseded by the credit default PD model."))

    vendor = _asset(
        cast,
        "social-sentiment-api",
        "Social media sentiment API",
        vendor="BuzzMetrics Inc",
        purpose="Sentiment of public posts about applicants.",
        ai_act_category="high",
        materiality_tier=1,
    )
    sign(
        cast,
        vendor,
        "alice",
        meaning="reject",
        comment="Using applicants' social media in credit decisions is not acceptable.",
    )
    # Approvals in flight: a half-signed request, findings, a waiver and an overdue periodic review.
    seed_approvals.first_of_two(cast.users, v2, DEMO_PASSWORD)
    seed_approvals.findings_and_waiver(cast.users, v4, v1)
    seed_approvals.overdue_review(cast.users, v3)
    monitor = seed_monitoring.monitoring_pipeline(cast.teams["retail-credit"])
    for monitored in (v1, v3, new):
        seed_monitoring.feed(monitor, monitored)
    seed_monitoring.ocr_breach(cast, monitor, ocr_version)
    seed_registry.registry_connection(cast.users, cast.teams["retail-credit"])
    return cast
