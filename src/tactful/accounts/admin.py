from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from tactful.accounts import security, services
from tactful.accounts.models import Agent, AuditEvent, Lockout, Team


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "auto_assign", "last_assigned"]
    search_fields = ["name"]


@admin.register(Agent)
class AgentAdmin(UserAdmin):
    list_display = [
        "username",
        "first_name",
        "last_name",
        "email",
        "role",
        "language",
        "available",
        "is_active",
    ]
    list_filter = ["role", "language", "available", "is_active", "teams"]
    filter_horizontal = ["teams", "groups", "user_permissions"]
    fieldsets = [
        *UserAdmin.fieldsets,
        (_("Tactful"), {"fields": ["role", "language", "teams", "available"]}),
    ]
    add_fieldsets = [
        *UserAdmin.add_fieldsets,
        (_("Tactful"), {"fields": ["role", "language", "teams"]}),
    ]

    def save_model(self, request: HttpRequest, obj: Agent, form: Any, change: bool) -> None:
        previous = form.initial.get("role") if change else None
        super().save_model(request, obj, form, change)
        if change and previous != obj.role:
            services.record_role_change(agent=obj, previous=str(previous), by=request.user)  # type: ignore[arg-type]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the log is written by the services."""

    list_display = ["at", "kind", "agent", "username", "actor", "address"]
    list_filter = ["kind"]
    search_fields = ["username", "address"]
    list_select_related = ["agent", "actor"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Lockout)
class LockoutAdmin(admin.ModelAdmin):
    list_display = ["scope", "key", "failures", "created_at", "until", "lifted_at", "lifted_by"]
    list_filter = ["scope"]
    search_fields = ["key"]
    actions = ["lift"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Lift the selected locks"))
    def lift(self, request: HttpRequest, queryset: Any) -> None:
        for lockout in queryset:
            security.lift_lockout(lockout=lockout, by=request.user)  # type: ignore[arg-type]
