"""Load the shipped starter library (en, es, ru) into the shared library; safe to run again."""

from typing import Any

from django.db import migrations

from tactful.canned.services import load_starter


def load(apps: Any, schema_editor: Any) -> None:
    load_starter(
        response_model=apps.get_model("canned", "CannedResponse"),
        variant_model=apps.get_model("canned", "CannedVariant"),
    )


class Migration(migrations.Migration):
    dependencies = [("canned", "0001_initial")]

    # Reversing keeps the texts: they may have been edited since, and losing them helps nobody.
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
