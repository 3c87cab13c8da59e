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
