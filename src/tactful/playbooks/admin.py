"""Django admin for playbooks: to look, not to edit (edits belong to the desk's editor, which
keeps every version)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tactful.playbooks.models import Playbook, PlaybookVariant, PlaybookVersion


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PlaybookVariantInline(admin.StackedInline[PlaybookVariant, Playbook]):
    model = PlaybookVariant
    extra = 0
    fields = ("language", "title", "body")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Playbook)
class PlaybookAdmin(ReadOnlyAdmin):
    list_display = ("name", "active", "order", "version", "updated_at")
    list_filter = ("active", "teams")
    search_fields = ("name", "variants__body")
    inlines = [PlaybookVariantInline]


@admin.register(PlaybookVersion)
class PlaybookVersionAdmin(ReadOnlyAdmin):
    list_display = ("playbook", "number", "edited_by", "edited_at")
    list_select_related = ("playbook", "edited_by")
