"""Read queries for coaching: the coach's reading of each customer message."""

from __future__ import annotations

from tactful.coaching.models import MessageAnalysis
from tactful.tickets.models import Message, Ticket

#: What the ticket page shows of a reading; the evidence spans load on demand.
_PAGE_FIELDS = (
    "id", "message_id", "status", "attempts", "error", "top_emotion", "emotions",
    "intensity", "formality", "abuse", "threat", "company_fault",
)  # fmt: skip

# Plain SQL from the models' metadata, like the ticket page's other reads (see
# tickets.selectors): through the ORM this join costs about 0.5 ms more per page, spent
# building the query. ``raw`` applies the fields' converters (JSON, booleans).
_READINGS_SQL = f"""
    SELECT {", ".join(f"an.{name}" for name in _PAGE_FIELDS)}
      FROM {MessageAnalysis._meta.db_table} an
      JOIN {Message._meta.db_table} m ON m.id = an.message_id
     WHERE m.ticket_id = %s
"""


def readings_for(ticket: Ticket) -> dict[int, MessageAnalysis]:
    """The coach's reading of each message of the ticket that has one, by message id."""
    return {
        analysis.message_id: analysis
        for analysis in MessageAnalysis.objects.raw(_READINGS_SQL, [ticket.pk])
    }
