from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from tactful.tickets.models import Attachment, Message, Tag, Ticket, TicketEvent, TicketViewer


class MessageInline(admin.StackedInline[Message, Ticket]):
    model = Message
    extra = 0
    fields = ["kind", "channel", "author_agent", "body", "external_id"]
    raw_id_fields = ["author_agent"]
    show_change_link = True


class EventInline(admin.TabularInline[TicketEvent, Ticket]):
    model = TicketEvent
    extra = 0
    fields = ["created_at", "kind", "actor", "data"]
    readonly_fields = ["created_at", "kind", "actor", "data"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Ticket | None = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin[Ticket]):
    list_display = [
        "id",
        "subject",
        "status",
        "priority",
        "channel",
        "language",
        "team",
        "assignee",
        "emotion",
        "intensity",
        "abuse",
        "updated_at",
    ]
    list_filter = [
        "status",
        "priority",
        "channel",
        "language",
        "team",
        "emotion",
        "abuse",
        "threat",
    ]
    search_fields = ["subject", "customer__name", "customer__email"]
    raw_id_fields = ["customer", "assignee", "merged_into"]
    filter_horizontal = ["tags"]
    list_select_related = ["team", "assignee"]
    readonly_fields = [
        "created_at",
        "updated_at",
        "emotion",
        "intensity",
        "abuse",
        "threat",
        "company_fault",
        "coach_state",
    ]
    inlines = [MessageInline, EventInline]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin[Message]):
    list_display = ["id", "ticket", "kind", "channel", "author_agent", "created_at"]
    list_filter = ["kind", "channel"]
    raw_id_fields = ["ticket", "author_agent", "author_customer"]
    search_fields = ["external_id"]


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin[Attachment]):
    list_display = ["filename", "content_type", "size", "message"]
    raw_id_fields = ["message"]


@admin.register(TicketEvent)
class TicketEventAdmin(admin.ModelAdmin[TicketEvent]):
    list_display = ["ticket", "kind", "actor", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["ticket", "actor", "message"]
    list_select_related = ["actor"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin[Tag]):
    search_fields = ["name"]


@admin.register(TicketViewer)
class TicketViewerAdmin(admin.ModelAdmin[TicketViewer]):
    list_display = ["ticket", "agent", "last_seen"]
    raw_id_fields = ["ticket", "agent"]
