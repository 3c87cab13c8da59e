from django.contrib import admin

from tactful.coaching.models import MessageAnalysis


@admin.register(MessageAnalysis)
class MessageAnalysisAdmin(admin.ModelAdmin):
    list_display = [
        "message",
        "status",
        "attempts",
        "language",
        "top_emotion",
        "intensity",
        "abuse",
        "threat",
        "analysed_at",
    ]
    list_filter = ["status", "language", "top_emotion", "abuse", "threat"]
    raw_id_fields = ["message"]
