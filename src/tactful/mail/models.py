"""Mailboxes Tactful polls over IMAP, and e-mails it refused to turn into tickets."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Mailbox(models.Model):
    """An IMAP mailbox Tactful polls; new mail in ``folder`` becomes tickets of ``team``.

    ``password`` is stored in the database in clear text (IMAP needs it to log in): restrict
    database and admin access accordingly, or use an app-specific password for the mailbox.
    ``uid_validity`` and ``last_uid`` remember how far polling got, so a restart neither skips
    nor repeats mail (ingest is idempotent on Message-ID anyway).
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mailboxes",
        verbose_name=_("team"),
    )
    imap_host = models.CharField(_("IMAP host"), max_length=255)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    use_ssl = models.BooleanField(_("use SSL/TLS"), default=True)
    username = models.CharField(_("user name"), max_length=255)
    password = models.CharField(
        _("password"),
        max_length=255,
        help_text=_("Stored in the database; use an app-specific password where possible."),
    )
    folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    active = models.BooleanField(_("active"), default=True)
    uid_validity = models.BigIntegerField(_("UIDVALIDITY"), null=True, blank=True)
    last_uid = models.BigIntegerField(_("last UID fetched"), default=0)
    last_polled_at = models.DateTimeField(_("last polled"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return self.name


class RefusalReason(models.TextChoices):
    AUTO_REPLY = "auto_reply", _("Automatic reply")
    BOUNCE = "bounce", _("Bounce or delivery report")
    LOOP = "loop", _("Our own mail came back (loop)")
    TOO_LARGE = "too_large", _("Too large")
    MALFORMED = "malformed", _("Malformed")
    NO_SENDER = "no_sender", _("No usable sender address")
    #: Not a refusal of the whole mail: an attachment was dropped, the message was stored.
    ATTACHMENT_DROPPED = "attachment_dropped", _("Attachment dropped")
    INVALID = "invalid", _("Rejected by the ticket checks")
    #: Not a refusal either: a different message reused a stored one's Message-ID; it was
    #: stored separately, and this row shows the admin the collision (with the raw mail).
    REUSED_MESSAGE_ID = "reused_message_id", _("Message-ID reused by a different message")


def refused_mail_path(instance: RefusedMail, filename: str) -> str:
    return f"refused-mail/{filename}"


class RefusedMail(models.Model):
    """An e-mail (or part of one) not turned into a ticket, with the reason, for the admin.

    ``raw`` keeps the raw bytes (up to ``TACTFUL_MAIL_REFUSED_KEEP_BYTES``) so nothing is lost:
    an admin can read what came in and, if it was a mistake, feed it to ingest again.
    """

    received_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)
    mailbox = models.ForeignKey(
        Mailbox,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="refused",
        verbose_name=_("mailbox"),
    )
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True, db_index=True)
    sender = models.CharField(_("sender"), max_length=255, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    reason = models.CharField(_("reason"), max_length=20, choices=RefusalReason.choices)
    detail = models.TextField(_("detail"), blank=True)
    size = models.PositiveIntegerField(_("size in bytes"), default=0)
    #: What the mail says (sender, date, text, attachments) as a digest: the same mail polled
    #: again is recorded once, a different one under a reused Message-ID is recorded too.
    content_digest = models.CharField(_("content digest"), max_length=80, blank=True)
    raw = models.FileField(_("raw e-mail"), upload_to=refused_mail_path, blank=True, max_length=500)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("refused e-mail")
        verbose_name_plural = _("refused e-mails")

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.subject or self.message_id or self.pk}"
