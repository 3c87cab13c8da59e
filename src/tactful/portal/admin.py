from django.contrib import admin
from django.http import HttpRequest

from tactful.portal.models import PortalCode


@admin.register(PortalCode)
class PortalCodeAdmin(admin.ModelAdmin):
    """Read-only: who asked for a portal login, when, and whether it was used."""

    list_display = ["address", "customer", "created_at", "expires_at", "used_at", "attempts"]
    search_fields = ["address"]
    raw_id_fields = ["customer"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
