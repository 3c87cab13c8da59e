"""Install the scorecards every desk starts with (see tactful.quality.defaults)."""

from __future__ import annotations

from django.db import migrations

from tactful.quality.defaults import DEFAULT_SCORECARDS


def add_default_scorecards(apps, schema_editor):  # type: ignore[no-untyped-def]
    Scorecard = apps.get_model("quality", "Scorecard")
    Section = apps.get_model("quality", "Section")
    Criterion = apps.get_model("quality", "Criterion")
    for spec in DEFAULT_SCORECARDS:
        if Scorecard.objects.filter(default_key=spec["key"]).exists():
            continue
        card = Scorecard.objects.create(
            name=spec["name"], description=spec["description"], default_key=spec["key"]
        )
        position = 0
        for section_position, section_spec in enumerate(spec["sections"]):
            section = Section.objects.create(
                scorecard=card, name=section_spec["name"], position=section_position
            )
            for criterion in section_spec["criteria"]:
                Criterion.objects.create(
                    scorecard=card, section=section, position=position, **criterion
                )
                position += 1


def remove_default_scorecards(apps, schema_editor):  # type: ignore[no-untyped-def]
    Scorecard = apps.get_model("quality", "Scorecard")
    Scorecard.objects.filter(
        default_key__in=[spec["key"] for spec in DEFAULT_SCORECARDS], reviews__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("quality", "0001_initial")]

    operations = [migrations.RunPython(add_default_scorecards, remove_default_scorecards)]
