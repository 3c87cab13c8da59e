"""The default rules every desk starts with (editable and disableable by leads and admins).

- *Protect agents* (D6): an abusive or threatening customer goes to a lead of the team, at high
  priority, and the leads are told. This replaces the hard-wired routing the coaching service
  used to do, so a team can change how it keeps its promise (another lead, a senior agent).
- *Angry and our fault*: anger or frustration at intensity ≥ 0.7 when the company may be at
  fault: high priority and the ``escalation`` tag.
- *Dead end*: the coach sees no way forward in the thread: tag ``dead-end`` and tell a lead,
  who can close it respectfully or take it over.
"""

from __future__ import annotations

from django.db import migrations

from tactful.automation.migrations._defaults import DEFAULT_RULES


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
