"""Tickets, messages, attachments, tags, events (the timeline) and who is looking at what."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

from tactful.customers.models import Channel, Language


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending")
    SOLVED = "solved", _("Solved")
    CLOSED = "closed", _("Closed")


#: Statuses that still need work; the default inbox shows these.
ACTIVE_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING)


class Priority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


class CoachState(models.TextChoices):
    NONE = "", _("Not analysed")
    PENDING = "pending", _("Analysing")
    DONE = "done", _("Analysed")
    FAILED = "failed", _("Analysis failed")


class Tag(models.Model):
    """A label on tickets (lower-case, unique)."""

    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    """One customer request and its conversation; the ticket number is its primary key.

    ``emotion``, ``intensity``, ``abuse`` and ``threat`` hold what the coach read in the latest
    analysed customer message, so the inbox can filter and show badges without joins.
    """

    subject = models.CharField(_("subject"), max_length=200)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.NEW)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    language = models.CharField(
        _("language"), max_length=3, choices=Language.choices, default=Language.UND
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="tickets"
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    solved_at = models.DateTimeField(_("solved"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_tickets"
    )
    #: When the personal data of this ticket was erased (a customer's erasure or the retention
    #: period): the text is gone, the row keeps its figures; retention skips it next time.
    erased_at = models.DateTimeField(_("personal data erased"), null=True, blank=True)

    # The latest coach signals (from the newest analysed incoming message).
    emotion = models.CharField(_("emotion"), max_length=16, blank=True, db_index=True)
    intensity = models.FloatField(_("intensity"), null=True, blank=True)
    #: Opened while its customer was blocked or suspended: stored, but out of every queue and
    #: count, never assigned or answered automatically; leads find it under "Blocked".
    held = models.BooleanField(_("held (customer blocked)"), default=False)
    abuse = models.BooleanField(_("abusive"), default=False)
    threat = models.BooleanField(_("threat"), default=False)
    company_fault = models.BooleanField(_("company may be at fault"), default=False)
    coach_state = models.CharField(
        _("coach"), max_length=8, choices=CoachState.choices, default=CoachState.NONE, blank=True
    )
    #: Team-defined fields (order number, plan…), usable as ``{{ ticket.custom.NAME }}`` in
    #: canned responses.
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)

    #: PostgreSQL full-text vector in the ticket language's configuration (unused on SQLite,
    #: which keeps an FTS5 table instead; see tickets.search).
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            models.Index(fields=["-updated_at", "-id"], name="ticket_updated"),
            models.Index(fields=["status", "-updated_at", "-id"], name="ticket_status_updated"),
            models.Index(fields=["team", "status", "-updated_at"], name="ticket_team_status"),
            models.Index(
                fields=["assignee", "status", "-updated_at"], name="ticket_assignee_status"
            ),
            models.Index(fields=["language", "status"], name="ticket_language_status"),
            models.Index(fields=["-intensity"], name="ticket_intensity"),
            # Held tickets are few: without this their count (the leads' "Blocked customers"
            # queue) would read every active ticket to find none.
            models.Index(
                fields=["team", "status"], condition=models.Q(held=True), name="ticket_held"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def number(self) -> int:
        return int(self.pk)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class DeliveryState(models.TextChoices):
    """Where an outgoing reply is on its way to the customer (see tactful.outbound)."""

    NONE = "", _("Not delivered by Tactful")
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    RETRYING = "retrying", _("Will retry")
    FAILED = "failed", _("Failed")
    #: A worker died while sending: it may or may not have left. Never re-sent automatically
    #: (at most once); an agent checks and resends by hand.
    UNCERTAIN = "uncertain", _("Unknown: check before resending")


class MessageKind(models.TextChoices):
    INCOMING = "in", _("From the customer")
    OUTGOING = "out", _("Reply")
    NOTE = "note", _("Internal note")


#: ``Message.metadata`` key of an agent's note about a call with the customer (its value: the
#: call's id). What the customer said in a call reaches the desk only through that note, so the
#: coach reads it as it reads the customer's own messages, and it weighs in emotional load.
CALL_NOTE_KEY = "call"


class Message(models.Model):
    """One turn of the conversation: the customer's message, an agent's reply, or a note.

    The body is stored exactly as received (HTML included) and sanitised only when rendered.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=4, choices=MessageKind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    author_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    author_customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("body"))
    #: The sender's id for this message (e-mail Message-ID, post id…): deliveries are idempotent.
    external_id = models.CharField(_("external id"), max_length=255, blank=True)
    #: The message before quoted history and signatures were stripped from ``body`` (e-mail).
    original_body = models.TextField(_("original text"), blank=True)
    #: Channel details: e-mail headers (message_id, in_reply_to, references, from, to), the
    #: chat session, the external thread or post a reply must go back to.
    metadata = models.JSONField(_("channel details"), default=dict, blank=True)
    #: The coach's review of an agent's reply at the moment it was sent (ReplyReview as JSON).
    review = models.JSONField(_("coach review at send time"), null=True, blank=True)

    # Delivery of outgoing replies (tactful.outbound): at most once, retried with backoff.
    delivery_state = models.CharField(
        _("delivery"), max_length=10, choices=DeliveryState.choices, default="", blank=True
    )
    delivery_attempts = models.PositiveSmallIntegerField(_("delivery attempts"), default=0)
    delivery_error = models.TextField(_("delivery error"), blank=True)
    next_delivery_at = models.DateTimeField(_("next delivery attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="message_ticket_created"),
            # Only undelivered replies are in this index: the delivery sweeper's pick-up
            # (queued, retrying, sending) and the metrics' count of every reply still waiting,
            # for a worker or for an agent (uncertain, failed). Both stay small.
            models.Index(
                fields=["delivery_state", "next_delivery_at"],
                name="message_delivery_due",
                condition=models.Q(
                    delivery_state__in=["queued", "retrying", "sending", "uncertain", "failed"]
                ),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=~models.Q(external_id=""),
                name="unique_external_message",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on #{self.ticket_id}"

    @property
    def is_incoming(self) -> bool:
        return self.kind == MessageKind.INCOMING

    @property
    def is_call_note(self) -> bool:
        """An agent's note about a call with the customer (see ``CALL_NOTE_KEY``)."""
        return (
            self.kind == MessageKind.NOTE
            and isinstance(self.metadata, dict)
            and CALL_NOTE_KEY in self.metadata
        )


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.message.ticket_id}/{instance.message_id}/{filename}"


class Attachment(models.Model):
    """A file sent with a message, kept in Django's default storage."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=500)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)

    class Meta:
        ordering = ["id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename


class EventKind(models.TextChoices):
    """The kinds of change the desk records out of the box. Apps add their own kinds with
    their own event classes (see ``tactful.tickets.events``); the column takes any of them."""

    CREATED = "created", _("Ticket created")
    MESSAGE_RECEIVED = "received", _("Customer wrote")
    REPLIED = "replied", _("Agent replied")
    NOTE_ADDED = "note", _("Internal note added")
    STATUS_CHANGED = "status", _("Status changed")
    PRIORITY_CHANGED = "priority", _("Priority changed")
    ASSIGNED = "assigned", _("Assignee changed")
    TEAM_CHANGED = "team", _("Team changed")
    TAGS_CHANGED = "tags", _("Tags changed")
    SUBJECT_CHANGED = "subject", _("Subject changed")
    LANGUAGE_CHANGED = "language", _("Language changed")
    MERGED = "merged", _("Merged into another ticket")
    MERGED_FROM = "merged_from", _("Another ticket merged in")
    ANALYSED = "analysed", _("Coach read the customer")
    ANALYSIS_FAILED = "analysis_failed", _("Coach analysis failed")
    RULE_FIRED = "rule", _("Automation rule applied")
    HANDED_OVER = "handover", _("Conversation handed over")
    DELIVERY_FAILED = "delivery_failed", _("Reply could not be delivered")
    RESENT = "resent", _("Reply sent again")
    CHANNEL_CHANGED = "channel", _("Channel changed")


class TicketEvent(models.Model):
    """Who changed what on a ticket, and when: the timeline and the audit trail.

    ``data`` holds the change (for example ``{"from": "new", "to": "open"}``).
    ``actor`` is empty for the system (the coach, round-robin, an external channel).
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    #: An ``EventKind`` value or a kind another app's event class registered.
    kind = models.CharField(_("kind"), max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ticket_events",
    )
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        indexes = [models.Index(fields=["ticket", "created_at"], name="event_ticket_created")]

    def __str__(self) -> str:
        return f"{self.kind} on #{self.ticket_id}"


#: An agent counts as "viewing" a ticket for this long after the page last polled.
VIEWING_WINDOW = timedelta(seconds=45)


class TicketViewer(models.Model):
    """An agent who has the ticket page open (refreshed while the page polls)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="viewers")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="viewing"
    )
    last_seen = models.DateTimeField()

    class Meta:
        verbose_name = _("ticket viewer")
        verbose_name_plural = _("ticket viewers")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "agent"], name="unique_ticket_viewer")
        ]

    def __str__(self) -> str:
        return f"{self.agent} on #{self.ticket_id}"
