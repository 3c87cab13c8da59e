"""Rule firings recorded before the RuleFiring table existed lived only in the events' JSON:
copy them over, so a rule that already fired for a message does not fire for it again."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def copy_firings(apps: Any, schema_editor: Any) -> None:
    TicketEvent = apps.get_model("tickets", "TicketEvent")
    Rule = apps.get_model("automation", "Rule")
    RuleFiring = apps.get_model("automation", "RuleFiring")
    Message = apps.get_model("tickets", "Message")
    rule_ids = set(Rule.objects.values_list("pk", flat=True))
    seen: set[tuple[int, int, str, int | None]] = set()
    batch = []
    rows = TicketEvent.objects.filter(kind="rule").values_list("pk", "ticket_id", "data")
    for event_id, ticket_id, data in rows.iterator(chunk_size=2000):
        if not isinstance(data, dict):
            continue
        rule_id, trigger, message_id = data.get("rule_id"), data.get("trigger"), data.get("message")
        if rule_id not in rule_ids or not isinstance(trigger, str):
            continue
        if message_id is not None and not isinstance(message_id, int):
            continue
        key = (rule_id, ticket_id, trigger, message_id)
        if key in seen:
            continue
        seen.add(key)
        batch.append((event_id, key))
    message_ids = {key[3] for _event, key in batch if key[3] is not None}
    existing = set(Message.objects.filter(pk__in=message_ids).values_list("pk", flat=True))
    RuleFiring.objects.bulk_create(
        [
            RuleFiring(
                rule_id=rule_id,
                ticket_id=ticket_id,
                trigger=trigger,
                message_id=message_id if message_id in existing else None,
                event_id=event_id,
            )
            for event_id, (rule_id, ticket_id, trigger, message_id) in batch
            if message_id is None or message_id in existing
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("automation", "0003_rule_firings")]

    operations = [migrations.RunPython(copy_firings, migrations.RunPython.noop)]
