# The partial delivery index also holds the replies waiting for an agent (uncertain, failed), so
# the metrics' count of every undelivered reply reads the index, never the whole message table.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0008_ticket_held"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="message",
            name="message_delivery_due",
        ),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(
                condition=models.Q(
                    ("delivery_state__in", ["queued", "retrying", "sending", "uncertain", "failed"])
                ),
                fields=["delivery_state", "next_delivery_at"],
                name="message_delivery_due",
            ),
        ),
    ]
