from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from tactful.accounts.models import Agent, Team


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
