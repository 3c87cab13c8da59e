"""Customers, their preferred language and how to reach them on each channel."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """Where a conversation arrives from (also used by tickets and messages)."""

    EMAIL = "email", _("E-mail")
    CHAT = "chat", _("Live chat")
    WEB = "web", _("Web form")
    API = "api", _("API")
    SOCIAL = "social", _("Social media")
    FORUM = "forum", _("Forum")
    PHONE = "phone", _("Phone")
    VIDEO = "video", _("Video call")


class Language(models.TextChoices):
    """Languages the coach reads; anything else is stored as ``und`` (undetermined)."""

    EN = "en", _("English")
    ES = "es", _("Spanish")
    RU = "ru", _("Russian")
    UND = "und", _("Other / unknown")


def normalize_language(value: str | None) -> str:
    """Map any language tag (``es-MX``, ``RU``, ``fr``, ``None``) to en/es/ru/und."""
    if not value:
        return Language.UND
    primary = str(value).strip().lower().replace("_", "-").split("-")[0]
    return primary if primary in {"en", "es", "ru"} else Language.UND


class Customer(models.Model):
    """A person who writes to support, however many channels they use."""

    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), max_length=254, blank=True, db_index=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=3, choices=Language.choices, default=Language.UND
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    #: Set when a lead merged this customer into another: the row stays (so the merge can be
    #: undone) but holds no identities or tickets, and matching never picks it.
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("merged into"),
    )
    #: Set when an admin erased this customer's personal data (irreversible): the row stays so
    #: the tickets keep their statistics, with no name, address or identities left.
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return self.name or self.email or f"#{self.pk}"

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else ""


class CustomerIdentity(models.Model):
    """How a customer is known on one channel: an e-mail address, a chat visitor id, a handle."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    handle = models.CharField(_("handle"), max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["channel", "handle"]
        verbose_name = _("customer identity")
        verbose_name_plural = _("customer identities")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "handle"], name="unique_identity_per_channel"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.handle}"


class CustomerMerge(models.Model):
    """Two customers made one: what moved from ``merged`` to ``kept``, so it can be undone.

    ``moved`` keeps the ids that moved (``identities``, ``tickets``, ``messages`` the merged
    customer wrote) and the details the kept customer took over because it lacked them
    (``filled``: field → the kept customer's value before). An undo moves back exactly those.
    """

    kept = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="merges_kept", verbose_name=_("kept")
    )
    merged = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="merges_away", verbose_name=_("merged")
    )
    #: The lead or admin who merged (``None``: the desk itself, joining equal addresses).
    by = models.ForeignKey(
        "accounts.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moved = models.JSONField(_("what moved"), default=dict)
    created_at = models.DateTimeField(_("merged"), auto_now_add=True)
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)
    undone_by = models.ForeignKey(
        "accounts.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("customer merge")
        verbose_name_plural = _("customer merges")

    def __str__(self) -> str:
        return f"#{self.merged_id} → #{self.kept_id}"


class BlockKind(models.TextChoices):
    """A block lasts until a lead lifts it; a suspension ends by itself at ``expires_at``."""

    BLOCK = "block", _("Blocked")
    SUSPEND = "suspend", _("Suspended")


class CustomerBlock(models.Model):
    """A lead stopped a customer's messages from reaching the team (the protection promise).

    On the whole customer, not one identity: the person behind every channel is the one who
    abused the team, and a block on one chat visitor id would be walked around by writing an
    e-mail. Messages still arrive and are stored (nothing is lost) but are held out of every
    queue, and nothing automatic answers them. Active: not lifted, and ``expires_at`` empty
    (until lifted) or still ahead — read when a message arrives, so no job ends a suspension.
    """

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="blocks", verbose_name=_("customer")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=BlockKind.choices)
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(
        "accounts.Agent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("since"), auto_now_add=True)
    expires_at = models.DateTimeField(_("until"), null=True, blank=True)
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        "accounts.Agent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("lifted by"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("customer block")
        verbose_name_plural = _("customer blocks")
        indexes = [
            # The inbound door's one lookup: the customer's blocks that were not lifted.
            models.Index(
                fields=["customer", "-created_at"],
                condition=models.Q(lifted_at__isnull=True),
                name="customer_block_unlifted",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.customer_id}"
