"""Live chat sessions: one visitor's conversation through the widget, tied to its ticket."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChatSession(models.Model):
    """A visitor's chat with a team, from the widget's first "start" to its end.

    The visitor holds a random token (in the browser's localStorage); only its SHA-256 is stored,
    so the database alone cannot be used to take over a conversation. The ticket is created by
    the visitor's first message and every later message lands in it. ``visitor_connections``
    counts the visitor's open sockets (several tabs) and ``last_seen_at`` moves with every frame
    and on disconnect: a chat whose visitor was last seen long ago has been left. A left chat
    whose question nobody answered becomes an e-mail conversation when the visitor gave an
    address (``converted_to_email_at``); replies then leave by e-mail.
    """

    team = models.ForeignKey(
        "accounts.Team", on_delete=models.CASCADE, related_name="chat_sessions"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chat_sessions",
    )
    #: SHA-256 (hex) of the visitor's token; the token itself is never stored.
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    visitor_name = models.CharField(_("visitor name"), max_length=200, blank=True)
    visitor_email = models.EmailField(_("visitor e-mail"), max_length=254, blank=True)
    language = models.CharField(_("language"), max_length=3, default="und")
    #: Where the widget was embedded (the page's origin, as the browser reported it).
    origin = models.CharField(_("embedding site"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("visitor last seen"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    visitor_connections = models.PositiveSmallIntegerField(_("open visitor sockets"), default=0)
    converted_to_email_at = models.DateTimeField(
        _("continued by e-mail since"), null=True, blank=True
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("chat session")
        verbose_name_plural = _("chat sessions")
        indexes = [
            # The conversion sweep: sessions with a ticket, not converted, by last activity.
            models.Index(
                fields=["last_seen_at"],
                name="chat_unconverted_seen",
                condition=models.Q(converted_to_email_at__isnull=True, ticket__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"chat {self.pk} ({self.visitor_name or self.visitor_email or _('anonymous')})"

    @property
    def converted(self) -> bool:
        return self.converted_to_email_at is not None


class CallSettings(models.Model):
    """How one team uses video calls in its chats (a team without a row uses the defaults).

    Agents may offer a call in any chat unless ``calls_enabled`` is off; visitors may ask for
    one only where ``visitors_may_call`` is on. ``recording`` asks the visitor, on screen,
    whether the call may be recorded and keeps the answer on the call; Tactful itself does not
    record (see docs/calls.md), so without a recorder that honours the answer nothing is kept.
    """

    team = models.OneToOneField(
        "accounts.Team", on_delete=models.CASCADE, related_name="call_settings"
    )
    calls_enabled = models.BooleanField(_("agents may offer video calls"), default=True)
    visitors_may_call = models.BooleanField(_("visitors may ask for a video call"), default=False)
    recording = models.BooleanField(
        _("ask visitors to agree to recording"),
        default=False,
        help_text=_(
            "The visitor is asked on screen before the call starts; a call is never recorded "
            "without that agreement."
        ),
    )

    class Meta:
        verbose_name = _("call settings")
        verbose_name_plural = _("call settings")

    def __str__(self) -> str:
        return str(_("Call settings of %(team)s") % {"team": self.team})


class CallSide(models.TextChoices):
    AGENT = "agent", _("Agent")
    VISITOR = "visitor", _("Visitor")


class CallState(models.TextChoices):
    RINGING = "ringing", _("Ringing")
    ACCEPTED = "accepted", _("Accepted, connecting")
    CONNECTED = "connected", _("Connected")
    DECLINED = "declined", _("Declined")
    ENDED = "ended", _("Ended")


#: States of a call that is still going on (ringing or in progress).
LIVE_CALL_STATES = (CallState.RINGING, CallState.ACCEPTED, CallState.CONNECTED)


class CallEndReason(models.TextChoices):
    HANGUP = "hangup", _("Hung up")
    CANCELLED = "cancelled", _("Cancelled before an answer")
    UNANSWERED = "unanswered", _("Not answered")
    DECLINED = "declined", _("Declined")
    LOST = "lost", _("Connection lost")
    FAILED = "failed", _("Could not connect")


class RecordingConsent(models.TextChoices):
    NOT_ASKED = "", _("Not asked (recording is off)")
    AGREED = "agreed", _("The visitor agreed")
    REFUSED = "refused", _("The visitor refused")


class Call(models.Model):
    """A video call in a chat: offered by one side, answered by the other, browser to browser.

    The desk only relays the signalling (offer, answer, ICE candidates) between the two
    sockets in the call (``agent_channel``, ``visitor_channel``: channel-layer names); media
    never passes through it. A side whose socket dropped is remembered in ``*_left_at`` until
    it rejoins; one that stays away ends the call as *lost* (see ``calls.end_abandoned_calls``).
    ``signalling_messages`` counts the frames relayed, ``ice_restarts`` the reconnections.
    """

    session = models.ForeignKey(ChatSession, on_delete=models.CASCADE, related_name="calls")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="calls")
    offered_by = models.CharField(_("offered by"), max_length=8, choices=CallSide.choices)
    #: The agent in the call: the one who offered it, or the one who took the visitor's call.
    agent = models.ForeignKey(
        "accounts.Agent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
    )
    #: Offered with video (otherwise sound only; either side may still turn its camera off).
    video = models.BooleanField(_("with video"), default=True)
    state = models.CharField(
        _("state"), max_length=10, choices=CallState.choices, default=CallState.RINGING
    )
    offered_at = models.DateTimeField(_("offered"), auto_now_add=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    started_at = models.DateTimeField(_("connected"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    end_reason = models.CharField(
        _("how it ended"), max_length=10, choices=CallEndReason.choices, blank=True
    )
    #: Who ended it ("" when Tactful did: unanswered, lost).
    ended_by = models.CharField(_("ended by"), max_length=8, choices=CallSide.choices, blank=True)
    recording_consent = models.CharField(
        _("recording consent"),
        max_length=8,
        choices=RecordingConsent.choices,
        blank=True,
        default=RecordingConsent.NOT_ASKED,
    )
    screen_shared = models.BooleanField(_("the visitor shared their screen"), default=False)
    ice_restarts = models.PositiveSmallIntegerField(_("reconnections"), default=0)
    signalling_messages = models.PositiveIntegerField(_("signalling messages relayed"), default=0)
    agent_channel = models.CharField(max_length=200, blank=True)
    visitor_channel = models.CharField(max_length=200, blank=True)
    agent_left_at = models.DateTimeField(null=True, blank=True)
    visitor_left_at = models.DateTimeField(null=True, blank=True)
    #: The agent's notes written after the call (an internal note on the ticket).
    note = models.OneToOneField(
        "tickets.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="call_noted",
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("video call")
        verbose_name_plural = _("video calls")
        constraints = [
            # One call at a time per chat: a second offer while one rings or runs is refused.
            models.UniqueConstraint(
                fields=["session"],
                condition=models.Q(state__in=["ringing", "accepted", "connected"]),
                name="one_live_call_per_chat",
            ),
        ]
        indexes = [
            models.Index(
                fields=["offered_at"],
                name="call_live_offered",
                condition=models.Q(state__in=["ringing", "accepted", "connected"]),
            ),
        ]

    def __str__(self) -> str:
        return f"call {self.pk} on #{self.ticket_id} ({self.state})"

    @property
    def live(self) -> bool:
        return self.state in LIVE_CALL_STATES

    @property
    def duration_seconds(self) -> int:
        """Seconds from the media connecting to the end (0 for a call that never connected)."""
        if self.started_at is None or self.ended_at is None:
            return 0
        return max(0, round((self.ended_at - self.started_at).total_seconds()))


class SpanishAddress(models.TextChoices):
    """How the widget's Spanish speaks to visitors."""

    USTED = "usted", _("usted (formal)")
    TU = "tu", _("tú (informal)")


class ChatSettings(models.Model):
    """How one team's chat widget speaks (a team without a row uses the defaults).

    The desk's own Spanish says *usted*; a team whose customers expect *tú* (a young brand's
    shop) switches its widget here, and its agents mirror the register the coach reads.
    """

    team = models.OneToOneField(
        "accounts.Team", on_delete=models.CASCADE, related_name="chat_settings"
    )
    spanish_address = models.CharField(
        _("address Spanish-speaking visitors with"),
        max_length=5,
        choices=SpanishAddress.choices,
        default=SpanishAddress.USTED,
    )

    class Meta:
        verbose_name = _("chat settings")
        verbose_name_plural = _("chat settings")

    def __str__(self) -> str:
        return str(_("Chat settings of %(team)s") % {"team": self.team})
