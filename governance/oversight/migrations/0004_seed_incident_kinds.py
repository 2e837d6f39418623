"""Seed the incident kinds with the EU AI Act Art. 73 reporting deadlines (editable afterwards)."""

from django.db import migrations
from django.utils import timezone

KINDS = [
    {
        "slug": "serious-incident",
        "name": "Serious incident",
        "description": "An incident or malfunction that directly or indirectly led to serious harm to health, "
        "fundamental rights, property or the environment. Report once a causal link is established, and in "
        "any event within 15 days of becoming aware of it.",
        "legal_basis": "EU AI Act Art. 73(2)",
        "reportable": True,
        "report_within_days": 15,
    },
    {
        "slug": "death",
        "name": "Serious incident: death of a person",
        "description": "A serious incident that caused, or may have caused, the death of a person.",
        "legal_basis": "EU AI Act Art. 73(4)",
        "reportable": True,
        "report_within_days": 10,
    },
    {
        "slug": "widespread-infringement",
        "name": "Serious incident: widespread infringement",
        "description": "A widespread infringement of Union law protecting fundamental rights.",
        "legal_basis": "EU AI Act Art. 73(3)",
        "reportable": True,
        "report_within_days": 2,
    },
    {
        "slug": "critical-infrastructure",
        "name": "Serious incident: critical infrastructure",
        "description": "A serious and irreversible disruption of the management or operation of critical "
        "infrastructure.",
        "legal_basis": "EU AI Act Art. 73(3), Art. 3(49)(b)",
        "reportable": True,
        "report_within_days": 2,
    },
    {
        "slug": "monitoring-breach",
        "name": "Monitoring threshold breach",
        "description": "A watched metric crossed its breach threshold. Opened by monitoring; reclassify it if "
        "triage finds a serious incident (the deadline then counts from its detection).",
        "legal_basis": "",
        "reportable": False,
        "report_within_days": None,
    },
]


def seed(apps, schema_editor):
    IncidentKind = apps.get_model("oversight", "IncidentKind")
    for kind in KINDS:
        IncidentKind.objects.get_or_create(slug=kind["slug"], defaults={**kind, "updated_at": timezone.now()})


class Migration(migrations.Migration):
    dependencies = [("oversight", "0003_monitoring_incidents")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
