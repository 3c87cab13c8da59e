"""Load the shipped playbooks (en, es, ru): our mistake, abuse or threat, dead end, anger."""

from typing import Any

from django.db import migrations

from tactful.playbooks.services import load_starter


def load(apps: Any, schema_editor: Any) -> None:
    load_starter(
        playbook_model=apps.get_model("playbooks", "Playbook"),
        variant_model=apps.get_model("playbooks", "PlaybookVariant"),
        version_model=apps.get_model("playbooks", "PlaybookVersion"),
    )


class Migration(migrations.Migration):
    dependencies = [("playbooks", "0001_playbooks_texts_and_versions")]

    # Reversing keeps the texts: they may have been edited since.
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
