"""The templates every installation starts with, installed by migration 0002 (and by the test/demo
helpers after a database flush). Admins edit them afterwards; each edit is a new, audited version.

- model-card: Mitchell et al. 2019, "Model Cards for Model Reporting", its nine sections.
- eu-ai-act-annex-iv: the technical documentation outline of Annex IV of Regulation (EU) 2024/1689.
- validation-report: an independent validation report (SR 11-7 style: soundness, outcomes, use).
- datasheet: Gebru et al., "Datasheets for Datasets", its seven question groups.
"""

from __future__ import annotations

from typing import Any


def _md(key: str, title: str, guidance: str, *, required: bool = True) -> dict[str, Any]:
    return {"key": key, "title": title, "kind": "markdown", "required": required, "guidance": guidance}


def _table(
    key: str, title: str, columns: list[str], guidance: str, *, required: bool = True
) -> dict[str, Any]:
    return {
        "key": key,
        "title": title,
        "kind": "table",
        "required": required,
        "guidance": guidance,
        "columns": columns,
    }


def _fields(key: str, title: str, fields: list[tuple[str, str, bool]], guidance: str) -> dict[str, Any]:
    return {
        "key": key,
        "title": title,
        "kind": "fields",
        "required": True,
        "guidance": guidance,
        "fields": [{"key": k, "label": label, "required": req} for k, label, req in fields],
    }


MODEL_CARD = [
    _fields(
        "model_details",
        "Model details",
        [
            ("developer", "Person or organisation developing the model", True),
            ("model_date", "Model date", True),
            ("model_version", "Model version", True),
            ("model_type", "Model type", True),
            ("training_approach", "Training algorithms, parameters and fairness constraints", False),
            ("resources", "Paper or other resource for more information", False),
            ("license", "License", False),
            ("contact", "Where to send questions or comments", True),
        ],
        "Basic information about the model: who built it, when, which version and what kind of model it is.",
    ),
    _md(
        "intended_use",
        "Intended use",
        "Primary intended uses and users, and use cases that are out of scope.",
    ),
    _md(
        "factors",
        "Factors",
        "Relevant factors (groups, instrumentation, environments) and which of them were evaluated.",
    ),
    _table(
        "metrics",
        "Metrics",
        ["Metric", "Value", "Decision threshold", "Variation approach"],
        "Performance measures reported, decision thresholds used, and how uncertainty was estimated.",
    ),
    _md(
        "evaluation_data",
        "Evaluation data",
        "Datasets used for evaluation, why they were chosen, and how they were preprocessed.",
    ),
    _md(
        "training_data",
        "Training data",
        "The training data, as far as it can be described (distribution over the factors above).",
    ),
    _table(
        "quantitative_analyses",
        "Quantitative analyses",
        ["Group", "Metric", "Value", "Notes"],
        "Unitary results per factor and intersectional results across factors.",
    ),
    _md(
        "ethical_considerations",
        "Ethical considerations",
        "Sensitive data used, risks to life or rights, mitigations, and harms considered.",
    ),
    _md(
        "caveats_and_recommendations",
        "Caveats and recommendations",
        "Concerns not covered above, and recommendations for users of the model.",
    ),
]

ANNEX_IV = [
    _md(
        "general_description",
        "General description of the AI system",
        "Annex IV(1): intended purpose, provider, version, how it interacts with hardware or software, "
        "forms in which it is placed on the market, instructions for use.",
    ),
    _md(
        "development_process",
        "Development process and design choices",
        "Annex IV(2): methods and steps of development, design specifications, system architecture, "
        "data requirements and datasheets, human oversight measures, validation and testing procedures.",
    ),
    _md(
        "monitoring_and_control",
        "Monitoring, functioning and control",
        "Annex IV(3): capabilities and limitations in performance, foreseeable unintended outcomes and "
        "sources of risk, human oversight measures, specifications on input data.",
    ),
    _table(
        "performance_metrics",
        "Appropriateness of the performance metrics",
        ["Metric", "Value", "Why appropriate"],
        "Annex IV(4): the performance metrics chosen and why they suit this system.",
    ),
    _md(
        "risk_management",
        "Risk management system",
        "Annex IV(5): a description of the risk management system in accordance with Article 9.",
    ),
    _md(
        "lifecycle_changes",
        "Changes through the lifecycle",
        "Annex IV(6): relevant changes made by the provider to the system through its lifecycle.",
        required=False,
    ),
    _md(
        "standards_applied",
        "Harmonised standards applied",
        "Annex IV(7): harmonised standards applied in full or in part; where none, the solutions adopted "
        "to meet the requirements of Chapter III, Section 2.",
    ),
    _md(
        "declaration_of_conformity",
        "EU declaration of conformity",
        "Annex IV(8): a copy of the EU declaration of conformity (Article 47).",
        required=False,
    ),
    _md(
        "post_market_monitoring",
        "Post-market monitoring plan",
        "Annex IV(9): how performance is evaluated in the post-market phase (Article 72), including the "
        "post-market monitoring plan.",
    ),
]

VALIDATION_REPORT = [
    _md(
        "scope",
        "Scope and approach",
        "What was validated (version, data, code), against which standards, and how.",
    ),
    _md(
        "conceptual_soundness",
        "Conceptual soundness",
        "Is the design fit for the intended use? Assumptions, limitations and alternatives considered.",
    ),
    _md(
        "data_quality",
        "Data quality and relevance",
        "Representativeness, completeness and lineage of development and evaluation data.",
    ),
    _table(
        "performance_testing",
        "Performance testing",
        ["Test", "Metric", "Result", "Threshold", "Outcome"],
        "Independent re-performance, benchmarks and out-of-time tests with their outcomes.",
    ),
    _md(
        "sensitivity_and_robustness",
        "Sensitivity and robustness",
        "Stress tests, perturbations and stability of results.",
    ),
    _md(
        "fairness_assessment",
        "Fairness assessment",
        "Summary of the bias review: groups examined, metrics against thresholds, mitigations.",
    ),
    _md(
        "findings",
        "Findings and limitations",
        "Every issue found, with its severity; reference the findings register.",
    ),
    _fields(
        "conclusion",
        "Conclusion",
        [
            ("recommendation", "Recommendation (approve, approve with conditions, reject)", True),
            ("conditions", "Conditions of use", False),
            ("next_review", "Recommended next review", False),
        ],
        "The validator's overall recommendation to the approvers.",
    ),
]

DATASHEET = [
    _md("motivation", "Motivation", "Why was the dataset created, by whom, and who funded it?"),
    _md(
        "composition",
        "Composition",
        "What the instances are, how many, sampling, labels, missing data, confidential or sensitive data.",
    ),
    _md(
        "collection_process",
        "Collection process",
        "How the data was acquired, by whom, over what timeframe, and with which consents.",
    ),
    _md(
        "preprocessing",
        "Preprocessing, cleaning and labelling",
        "What was done to the raw data, and whether the raw data is kept.",
        required=False,
    ),
    _md("uses", "Uses", "Tasks the dataset has been or should (not) be used for."),
    _md("distribution", "Distribution", "How and under which terms the dataset is shared.", required=False),
    _md("maintenance", "Maintenance", "Who maintains it, how errors are reported, and how it is updated."),
]

SEEDED_TEMPLATES: list[dict[str, Any]] = [
    {
        "slug": "model-card",
        "kind": "model_card",
        "name": "Model card (Mitchell et al. 2019)",
        "description": "The nine sections of Model Cards for Model Reporting (Mitchell et al., FAT* 2019).",
        "sections": MODEL_CARD,
    },
    {
        "slug": "eu-ai-act-annex-iv",
        "kind": "annex_iv",
        "name": "EU AI Act Annex IV technical documentation",
        "description": "The technical documentation outline of Annex IV, Regulation (EU) 2024/1689.",
        "sections": ANNEX_IV,
    },
    {
        "slug": "validation-report",
        "kind": "validation_report",
        "name": "Independent validation report",
        "description": "The validator's report: soundness, data, performance, robustness, fairness "
        "and findings.",
        "sections": VALIDATION_REPORT,
    },
    {
        "slug": "datasheet",
        "kind": "datasheet",
        "name": "Datasheet for datasets (Gebru et al.)",
        "description": "The question groups of Datasheets for Datasets (Gebru et al., CACM 2021).",
        "sections": DATASHEET,
    },
]


def install_seeded_templates(template_model: Any, version_model: Any) -> int:
    """Create each seeded template that does not exist yet (by slug); returns how many were created.

    Takes the model classes so the data migration can pass its historical models. Writes no audit
    event: the seeded templates are part of the release, and every later edit is audited.
    """
    created = 0
    for spec in SEEDED_TEMPLATES:
        if template_model.objects.filter(slug=spec["slug"]).exists():
            continue
        template = template_model.objects.create(slug=spec["slug"], kind=spec["kind"])
        version = version_model.objects.create(
            template=template,
            number=1,
            name=spec["name"],
            description=spec["description"],
            sections=spec["sections"],
        )
        template.current_version = version
        template.save(update_fields=["current_version"])
        created += 1
    return created
