"""Install the seeded templates: the Mitchell et al. model card, the EU AI Act Annex IV outline, a
validation report and a datasheet for datasets (governance/model_cards/seeded.py)."""

from django.db import migrations


def seed(apps, schema_editor):
    from governance.model_cards.seeded import install_seeded_templates

    install_seeded_templates(apps.get_model("model_cards", "DocumentTemplate"),
                             apps.get_model("model_cards", "TemplateVersion"))


class Migration(migrations.Migration):
    dependencies = [("model_cards", "0002_immutable_revisions")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
