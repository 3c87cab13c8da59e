"""Full-text search over article translations: a GIN index on PostgreSQL, an FTS5 table on SQLite."""

from django.db import migrations

from tactful.knowledge.search import create_search_structures, drop_search_structures


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    create_search_structures(schema_editor)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    drop_search_structures(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_categories_articles_translations_suggestions")]

    operations = [migrations.RunPython(forwards, backwards)]
