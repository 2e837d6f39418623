"""Demo documentation for the seed: model cards, validation reports, evidence and bias reviews, made
through the services just before the lifecycle step that needs them (the gates are real).

One bias review per validated version. Most are entered by hand; the PD model's new version is computed
from a generated predictions file through the same job the upload page starts, and that file is then
purged, so the demo shows the whole path.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from django.core.files.uploadedfile import SimpleUploadedFile

from governance.accounts.models import User
from governance.audit.actors import Actor
from governance.bias_reviews import predictions
from governance.bias_reviews import services as bias
from governance.bias_reviews.entry import parse_manual_metrics
from governance.bias_reviews.models import Verdict
from governance.bias_reviews.queries import current_review
from governance.evidence.services import upload_evidence
from governance.inventory.models import AssetVersion
from governance.model_cards import services as documents
from governance.model_cards.models import Document, DocumentTemplate, TemplateVersion
from governance.model_cards.seeded import install_seeded_templates
from governance.model_cards.services import previous_document

# A one-page PDF (text-free) is enough for the demo's evidence files.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
COMPUTED_FROM_FILE = {"credit-default-pd": "1.1", "card-fraud-detection": "4"}


def _card_content(version: AssetVersion) -> dict[str, Any]:
    asset = version.asset
    metrics = [
        [name, str(value), "0.5 (approve below)" if name == "auc" else "", "Bootstrap, 1,000 resamples"]
        for name, value in sorted(version.metrics.items())
    ] or [["Not reported", "", "", ""]]
    hp = ", ".join(f"{k}={v}" for k, v in sorted(version.hyperparameters.items()))
    return {
        "model_details": {
            "developer": asset.team.name,
            "model_date": version.created_at.strftime("%B %Y"),
            "model_version": version.label,
            "model_type": (asset.vendor and f"Third-party model from {asset.vendor}")
            or asset.get_kind_display(),
            "training_approach": hp,
            "license": "Proprietary, internal use only",
            "contact": f"{asset.owner.email}",
        },
        "intended_use": (
            f"**Primary use.** {asset.intended_use or asset.purpose}\n\n"
            f"**Users.** {asset.intended_users or 'The owning team and downstream decision systems.'}\n\n"
            f"**Out of scope.** {asset.out_of_scope_uses or 'Any use not listed above.'}"
        ),
        "factors": "Applicant age band and sex (used only to assess fairness, never as inputs), region and "
        "channel. All four were evaluated.",
        "metrics": metrics,
        "evaluation_data": "Out-of-time sample of the most recent quarter, disjoint from training; "
        "the same preprocessing as in production.",
        "training_data": "Training data: "
        + (", ".join(version.training_data_refs) or "internal historical records")
        + ". Class balance and missing values are described in the datasheet.",
        "quantitative_analyses": [
            ["sex = female", "approval rate", "0.42", "Within the four-fifths rule"],
            ["sex = male", "approval rate", "0.45", ""],
            ["age 18-25", "true-positive rate", "0.71", "Lowest of the age bands"],
        ],
        "ethical_considerations": "Decisions affect access to credit (a high-risk use under the EU AI Act). "
        "Protected attributes are excluded from the inputs; proxies were screened.",
        "caveats_and_recommendations": "Re-validate after material drift (PSI above 0.2) or any change of "
        "policy cut-offs. Human review for declined applications on request.",
    }


def _report_content(version: AssetVersion) -> dict[str, Any]:
    return {
        "scope": f"Independent validation of {version.asset.name} {version.label}: code at "
        f"{version.code_commit or 'the registered commit'}, artifact {version.artifact_digest[:12]}…",
        "conceptual_soundness": "The design fits the intended use; assumptions are documented and tested.",
        "data_quality": "Development and evaluation data are complete (under 1% missing) and representative.",
        "performance_testing": [
            ["Out-of-time", "AUC", str(version.metrics.get("auc", "n/a")), "0.75", "Pass"],
            ["Stability", "PSI", "0.04", "0.10", "Pass"],
        ],
        "sensitivity_and_robustness": "Stable under ±10% perturbations of the main inputs.",
        "fairness_assessment": "See the bias review: selection rates by sex and age band meet the policy.",
        "findings": "No high-severity findings. Two low-severity documentation gaps, fixed before sign-off.",
        "conclusion": {
            "recommendation": "Approve",
            "conditions": "Quarterly monitoring of the parity ratio.",
            "next_review": "12 months",
        },
    }


def _final_document(version: AssetVersion, kind: str, author: User, content: dict[str, Any]) -> Document:
    actor = Actor.for_user(author)
    existing = Document.objects.filter(version=version, kind=kind).first()
    if existing is not None and existing.is_final:
        return existing
    if existing is None and kind == "model_card" and previous_document(version, kind) is not None:
        existing = documents.start_from_previous(actor=actor, version=version, kind=kind)
        documents.revise_section(
            actor=actor,
            document=existing,
            key="model_details",
            value=_card_content(version)["model_details"],
            summary="Details of this version.",
        )
    if existing is None:
        existing = documents.create_document(actor=actor, asset=version.asset, version=version, kind=kind)
        documents.save_revision(
            actor=actor, document=existing, content=content, summary="First complete draft."
        )
    documents.mark_final(actor=actor, document=existing)
    return existing


def _predictions_csv(version: AssetVersion, rows: int, female_rate: float) -> bytes:
    rng = np.random.default_rng(int(version.pk))
    sex = rng.choice(["female", "male"], rows)
    age = rng.choice(["18-25", "26-40", "41-65", "65+"], rows, p=[0.15, 0.4, 0.35, 0.1])
    y_true = (rng.random(rows) < 0.3).astype(int)
    rate = np.where(sex == "female", female_rate, 0.45) + np.where(y_true == 1, 0.25, 0.0)
    y_pred = (rng.random(rows) < rate).astype(int)
    out = io.StringIO()
    out.write("y_true,y_pred,score,sex,age_band\n")
    for t, p, s, g, a in zip(y_true, y_pred, rng.random(rows), sex, age, strict=True):
        out.write(f"{t},{p},{s:.4f},{g},{a}\n")
    return out.getvalue().encode()


def _bias_review(version: AssetVersion, validator: User, *, sign: bool) -> None:
    actor = Actor.for_user(validator)
    review = current_review(version)
    if review is not None and review.is_signed:
        return
    if review is None:
        review = bias.create_bias_review(
            actor=actor,
            version=version,
            protected_attributes=["sex", "age_band"],
            evaluation_data="Out-of-time sample of the last quarter's applications, labels after 12 months.",
        )
    if COMPUTED_FROM_FILE.get(version.asset.slug) == version.label:
        female_rate = 0.42 if sign else 0.25  # the fraud model's open review shows a breach
        job = predictions.upload_predictions(
            actor=actor,
            review=review,
            file=SimpleUploadedFile("predictions.csv", _predictions_csv(version, 4_000, female_rate)),
            columns={"score": "score"},
        )
        predictions.run_computation(job.pk)  # inside the seed's transaction, rather than on commit
    else:
        rates = [
            {
                "attribute": "sex",
                "groups": [
                    {
                        "group": "female",
                        "count": 5120,
                        "selection_rate": 0.42,
                        "true_positive_rate": 0.78,
                        "false_positive_rate": 0.11,
                        "accuracy": 0.86,
                    },
                    {
                        "group": "male",
                        "count": 4980,
                        "selection_rate": 0.45,
                        "true_positive_rate": 0.80,
                        "false_positive_rate": 0.12,
                        "accuracy": 0.85,
                    },
                ],
            },
            {
                "attribute": "age_band",
                "groups": [
                    {
                        "group": "18-25",
                        "count": 1500,
                        "selection_rate": 0.39,
                        "true_positive_rate": 0.71,
                        "false_positive_rate": 0.10,
                        "accuracy": 0.83,
                    },
                    {
                        "group": "26-65",
                        "count": 7600,
                        "selection_rate": 0.45,
                        "true_positive_rate": 0.80,
                        "false_positive_rate": 0.12,
                        "accuracy": 0.86,
                    },
                    {
                        "group": "65+",
                        "count": 1000,
                        "selection_rate": 0.41,
                        "true_positive_rate": 0.76,
                        "false_positive_rate": 0.10,
                        "accuracy": 0.85,
                    },
                ],
            },
        ]
        bias.record_manual_metrics(
            actor=actor, review=review, attributes=parse_manual_metrics(rates, review.protected_attributes)
        )
    if sign:
        bias.sign_off(actor=actor, review=review, verdict=Verdict.PASS)


def _evidence(version: AssetVersion, owner: User) -> None:
    if version.evidence.exists():
        return
    actor = Actor.for_user(owner)
    backtest = "\n".join(["metric,value", *[f"{k},{v}" for k, v in sorted(version.metrics.items())]]) + "\n"
    upload_evidence(
        actor=actor,
        version=version,
        kind="test_results",
        label="Out-of-time back-test",
        file=SimpleUploadedFile("backtest.csv", backtest.encode()),
    )
    upload_evidence(
        actor=actor,
        version=version,
        kind="data_quality_report",
        label="Data quality profile",
        file=SimpleUploadedFile("data-profile.pdf", DEMO_PDF),
    )


def prepare(users: dict[str, User], version: AssetVersion, stage: str) -> None:
    """Make what the gate of the edge into `stage` needs: the model card and evidence before
    submission; the validation report and a signed bias review before validation."""
    install_seeded_templates(DocumentTemplate, TemplateVersion)
    if stage == "submitted":
        _final_document(version, "model_card", users["olivia"], _card_content(version))
        _evidence(version, users["olivia"])
    elif stage == "validated":
        _final_document(version, "validation_report", users["victor"], _report_content(version))
        _bias_review(version, users["victor"], sign=True)


def open_review(users: dict[str, User], version: AssetVersion) -> None:
    """An unsigned review computed from predictions, for a version still in validation."""
    _bias_review(version, users["victor"], sign=False)
