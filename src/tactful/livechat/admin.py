"""Chat sessions and video calls in the admin; each team's call settings are edited here."""

from django.contrib import admin

from tactful.livechat.models import Call, CallSettings, ChatSession


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


@admin.register(CallSettings)
class CallSettingsAdmin(admin.ModelAdmin):
    list_display = ("team", "calls_enabled", "visitors_may_call", "recording")
    list_select_related = ("team",)


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "ticket",
        "offered_by",
        "agent",
        "state",
        "offered_at",
        "started_at",
        "ended_at",
        "end_reason",
        "recording_consent",
    )
    list_filter = ("state", "end_reason", "offered_by", "recording_consent")
    list_select_related = ("ticket", "agent")
    # What happened in a call is history: it is read here, never edited.
    readonly_fields = [field.name for field in Call._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False
