from django.db import migrations, models

#: PostgreSQL plans the inbox's LIMIT 26 walk of this index with parallel workers, whose start
#: (16–90 ms on a busy 2-core server) costs many times the walk itself (under 1 ms). The table
#: is only ever read by such LIMITed walks and single-row lookups — reports read the clocks and
#: their daily rows, never this — so no plan on it gains from workers: it gets none. A table
#: setting rather than a per-query ``SET LOCAL``: no extra round trip, and no transaction
#: around a read.
SERIAL = "ALTER TABLE sla_ticketsla SET (parallel_workers = 0)"
DEFAULT = "ALTER TABLE sla_ticketsla RESET (parallel_workers)"


def serial_walks(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SERIAL)


def default_walks(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DEFAULT)


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0001_clocks_policies_hours_and_daily_figures"),
        ("tickets", "0006_index_customer_names_for_search"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="ticketsla", name="ticketsla_due"),
        # Only tickets with a running deadline (5 % of a million-ticket desk): the "breaches
        # soonest" walk reads a 1.5 MB index instead of one over every ticket ever opened.
        migrations.AddIndex(
            model_name="ticketsla",
            index=models.Index(
                condition=models.Q(("due_at__isnull", False)),
                fields=["due_at", "ticket"],
                name="ticketsla_running_due",
            ),
        ),
        migrations.RunPython(serial_walks, default_walks, elidable=False),
    ]
