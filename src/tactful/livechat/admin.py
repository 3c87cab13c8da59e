"""Chat sessions in the admin: who chatted, from where, and whether it became e-mail."""

from django.contrib import admin

from tactful.livechat.models import ChatSession


@admin.register(ChatSession)
class ChatSessionAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "team",
        "ticket",
        "visitor_name",
        "visitor_email",
        "language",
        "started_at",
        "last_seen_at",
        "visitor_connections",
        "converted_to_email_at",
    )
    list_filter = ("team", "language")
    search_fields = ("visitor_name", "visitor_email", "origin")
    list_select_related = ("team", "ticket")
    # The token hash is a credential's fingerprint: never editable, not worth showing.
    exclude = ("token_hash",)
    readonly_fields = ("ticket", "started_at", "last_seen_at", "visitor_connections", "origin")
