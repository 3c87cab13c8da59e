from django.contrib import admin

from tactful.webhooks.models import EventDelivery, EventWebhook


@admin.register(EventWebhook)
class EventWebhookAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Add webhooks on the settings pages (which show the secret once); here: look and switch."""

    list_display = ["name", "url", "team", "active", "created_at"]
    list_filter = ["active"]
    readonly_fields = ["created_at"]

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(EventDelivery)
class EventDeliveryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["event", "ticket_id", "webhook", "state", "attempts", "created_at"]
    list_filter = ["state", "event"]
    readonly_fields = [f.name for f in EventDelivery._meta.fields]
