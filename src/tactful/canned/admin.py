"""Django admin for canned responses: admins edit any response and its language variants."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from tactful.canned.library_version import library_changed_after_commit
from tactful.canned.models import CannedResponse, CannedVariant


class CannedVariantInline(admin.StackedInline):
    model = CannedVariant
    extra = 0
    max_num = 3
    fields = ("language", "title", "body")


@admin.register(CannedResponse)
class CannedResponseAdmin(admin.ModelAdmin):
    list_display = ("title", "category", "team", "active", "updated_at")
    list_filter = ("category", "active", "team", "variants__language")
    search_fields = ("title", "variants__body")
    list_select_related = ("team",)
    readonly_fields = ("starter_key", "created_by", "created_at", "updated_at")
    inlines = [CannedVariantInline]

    def save_model(
        self, request: HttpRequest, obj: CannedResponse, form: Any, change: bool
    ) -> None:
        if not change and obj.created_by_id is None:
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CannedResponse]) -> None:
        # A bulk delete skips Model.delete(); the personal-touch index must still hear of it.
        super().delete_queryset(request, queryset)
        library_changed_after_commit()
