"""Admin: import runs and where imported objects came from, read-only (imports write them)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tactful.importing.models import ImportRun, SourceKey


class ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnly):
    list_display = ["id", "source", "namespace", "path", "state", "records_done", "started_at"]
    list_filter = ["source", "state"]


@admin.register(SourceKey)
class SourceKeyAdmin(ReadOnly):
    list_display = ["namespace", "kind", "external_id", "object_id"]
    list_filter = ["namespace", "kind"]
    search_fields = ["external_id"]
    list_select_related = False
