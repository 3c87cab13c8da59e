from django.contrib import admin

from tactful.inbox.models import SavedView


@admin.register(SavedView)
class SavedViewAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "team", "query"]
    raw_id_fields = ["owner"]
