"""Install the default rules every desk starts with (see tactful.automation.defaults)."""

from __future__ import annotations

from django.db import migrations

from tactful.automation.defaults import DEFAULT_RULES


def add_default_rules(apps, schema_editor):  # type: ignore[no-untyped-def]
    Rule = apps.get_model("automation", "Rule")
    for spec in DEFAULT_RULES:
        if not Rule.objects.filter(name=spec["name"], team__isnull=True).exists():
            Rule.objects.create(active=True, **spec)


def remove_default_rules(apps, schema_editor):  # type: ignore[no-untyped-def]
    Rule = apps.get_model("automation", "Rule")
    Rule.objects.filter(
        name__in=[spec["name"] for spec in DEFAULT_RULES],
        team__isnull=True,
        created_by__isnull=True,
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("automation", "0001_initial")]

    operations = [migrations.RunPython(add_default_rules, remove_default_rules)]
