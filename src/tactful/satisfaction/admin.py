"""Satisfaction in the Django admin: settings per team, surveys, reports and the feed."""

from __future__ import annotations

from django.contrib import admin

from tactful.satisfaction.models import FeedItem, MonthlyReport, Survey, SurveySettings


@admin.register(SurveySettings)
class SurveySettingsAdmin(admin.ModelAdmin[SurveySettings]):
    list_display = ("team", "enabled", "scale", "quiet_days", "expire_days", "reminder_days")


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin[Survey]):
    list_display = (
        "id",
        "ticket",
        "team",
        "status",
        "rating",
        "sentiment",
        "sent_at",
        "answered_at",
    )
    list_filter = ("status", "sentiment", "scale", "channel")
    raw_id_fields = ("ticket", "message", "reminder")
    readonly_fields = ("nonce",)


@admin.register(MonthlyReport)
class MonthlyReportAdmin(admin.ModelAdmin[MonthlyReport]):
    list_display = ("month", "team", "generated_at", "emailed_at")
    exclude = ("pdf",)


@admin.register(FeedItem)
class FeedItemAdmin(admin.ModelAdmin[FeedItem]):
    list_display = ("id", "team", "source", "state", "created_at", "posted_at")
    list_filter = ("state", "source")
    raw_id_fields = ("ticket", "survey", "message")
