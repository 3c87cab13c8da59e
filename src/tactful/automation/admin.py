"""Admin for rules (JSON checked against the engine's schema on save) and notifications."""

from __future__ import annotations

from django.contrib import admin

from tactful.automation.models import AutoReply, Notification, Rule


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = ("name", "order", "trigger", "team", "active", "stop_processing", "updated_at")
    list_editable = ("order", "active")
    list_filter = ("active", "trigger", "team")
    search_fields = ("name",)
    list_select_related = ("team",)
    readonly_fields = ("created_by", "created_at", "updated_at")

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        if obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("recipient", "ticket", "kind", "rule", "text", "created_at", "read_at")
    list_filter = ("kind", "read_at")
    list_select_related = ("recipient", "ticket", "rule")
    raw_id_fields = ("recipient", "ticket", "rule")


@admin.register(AutoReply)
class AutoReplyAdmin(admin.ModelAdmin):
    list_display = ("ticket", "rule", "response_id", "message", "created_at")
    list_select_related = ("ticket", "rule", "message")
    raw_id_fields = ("ticket", "rule", "message")
