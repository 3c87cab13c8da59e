"""Full-text search structures: a GIN index on PostgreSQL, an FTS5 table on SQLite."""

from django.db import migrations

from tactful.tickets.search import create_search_structures, drop_search_structures


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    create_search_structures(schema_editor)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    drop_search_structures(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
