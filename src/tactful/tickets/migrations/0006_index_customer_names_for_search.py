"""Rebuild every ticket's search entry: it now holds the customer's name, e-mail and handles."""

from __future__ import annotations

from django.db import migrations

from tactful.tickets import search

#: Tickets reindexed per statement, so one UPDATE never holds a huge lock set.
BATCH = 5000


def reindex_everything(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    ids = list(Ticket.objects.using(schema_editor.connection.alias).values_list("id", flat=True))
    for start in range(0, len(ids), BATCH):
        search.reindex_tickets(ids[start : start + BATCH])


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0005_event_kinds_are_open"),
        ("customers", "0001_initial"),
    ]

    operations = [migrations.RunPython(reindex_everything, migrations.RunPython.noop)]
