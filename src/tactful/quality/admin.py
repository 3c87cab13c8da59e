"""Quality reviews in the Django admin (the pages under /quality/ are where people work)."""

from __future__ import annotations

from django.contrib import admin

from tactful.quality.models import (
    CalibrationRound,
    Criterion,
    Dispute,
    Rating,
    Review,
    ReviewAssignment,
    SamplingPlan,
    Scorecard,
    Section,
)


class CriterionInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Criterion
    extra = 0
    fields = [
        "section",
        "name",
        "scale",
        "weight",
        "allow_na",
        "critical",
        "coach_rubric",
        "position",
        "active",
    ]


@admin.register(Scorecard)
class ScorecardAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "team", "active", "default_key", "revision"]
    list_filter = ["active", "team"]
    inlines = [CriterionInline]


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "scorecard", "position"]


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "name",
        "scorecard",
        "section",
        "scale",
        "weight",
        "critical",
        "coach_rubric",
        "active",
    ]
    list_filter = ["scorecard", "scale", "critical", "active"]


class RatingInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Rating
    extra = 0
    readonly_fields = ["criterion", "value", "score", "comment", "evidence"]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "id",
        "ticket",
        "scorecard",
        "source",
        "reviewer",
        "reviewee",
        "score",
        "withdrawn",
        "created_at",
    ]
    list_filter = ["source", "withdrawn", "scorecard"]
    raw_id_fields = ["ticket", "message", "overrides", "reviewer", "reviewee", "round"]
    inlines = [RatingInline]


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["review", "criterion", "value", "score"]
    raw_id_fields = ["review"]


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["review", "raised_by", "status", "resolved_by", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["review"]


@admin.register(SamplingPlan)
class SamplingPlanAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = [
        "team",
        "scorecard",
        "share_percent",
        "minimum_per_agent",
        "hard_weight",
        "active",
    ]


@admin.register(ReviewAssignment)
class ReviewAssignmentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["week", "ticket", "reviewee", "reviewer", "review"]
    raw_id_fields = ["ticket", "review"]


@admin.register(CalibrationRound)
class CalibrationRoundAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "scorecard", "created_by", "created_at"]
    raw_id_fields = ["tickets"]
