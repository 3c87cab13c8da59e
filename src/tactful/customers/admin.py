from django.contrib import admin
from django.http import HttpRequest

from tactful.customers.models import Customer, CustomerIdentity, CustomerMerge


class IdentityInline(admin.TabularInline):
    model = CustomerIdentity
    extra = 0


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "email", "preferred_language", "created_at"]
    list_filter = ["preferred_language"]
    search_fields = ["name", "email", "identities__handle"]
    inlines = [IdentityInline]


@admin.register(CustomerIdentity)
class CustomerIdentityAdmin(admin.ModelAdmin):
    list_display = ["handle", "channel", "customer"]
    list_filter = ["channel"]
    search_fields = ["handle"]
    raw_id_fields = ["customer"]


@admin.register(CustomerMerge)
class CustomerMergeAdmin(admin.ModelAdmin):
    """Read-only: merges are made and undone on the customer page (which keeps the events)."""

    list_display = ["id", "merged", "kept", "by", "created_at", "undone_at"]
    raw_id_fields = ["kept", "merged", "by", "undone_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
