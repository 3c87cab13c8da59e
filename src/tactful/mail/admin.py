"""Admin for mailboxes and for the e-mails Tactful refused (with their raw bytes)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from tactful.mail.models import Mailbox, RefusedMail


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "imap_host", "folder", "active", "last_polled_at"]
    list_filter = ["active", "team"]
    search_fields = ["name", "imap_host", "username"]
    list_select_related = ["team"]
    readonly_fields = ["uid_validity", "last_uid", "last_polled_at", "last_error"]


@admin.register(RefusedMail)
class RefusedMailAdmin(admin.ModelAdmin):
    """Read-only: a record of what came in and why it was not turned into a ticket."""

    list_display = ["received_at", "reason", "sender", "subject", "size", "mailbox"]
    list_filter = ["reason", "mailbox"]
    search_fields = ["sender", "subject", "message_id"]
    list_select_related = ["mailbox"]
    fields = [
        "received_at",
        "mailbox",
        "reason",
        "detail",
        "message_id",
        "sender",
        "subject",
        "size",
        "raw_file",
    ]
    readonly_fields = fields

    @admin.display(description=_("raw e-mail"))
    def raw_file(self, obj: RefusedMail) -> str:
        if not obj.raw:
            return "—"
        url = reverse("mail:refused_raw", args=[obj.pk])
        return format_html(
            '<a href="{}">{}</a>', url, _("Download (%(n)d bytes)") % {"n": obj.raw.size}
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
