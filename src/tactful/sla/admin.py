"""The SLA models in the Django admin (policies and hours also have their own pages)."""

from __future__ import annotations

from django.contrib import admin

from tactful.sla.models import BusinessHours, Clock, Policy, TicketSla


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin[Policy]):
    list_display = ("name", "active", "position", "first_response_minutes", "resolution_minutes")
    list_filter = ("active", "business_hours")


@admin.register(BusinessHours)
class BusinessHoursAdmin(admin.ModelAdmin[BusinessHours]):
    list_display = ("name", "team", "time_zone")


@admin.register(Clock)
class ClockAdmin(admin.ModelAdmin[Clock]):
    list_display = ("ticket", "target", "sequence", "state", "due_at", "elapsed_seconds")
    list_filter = ("target", "state")
    raw_id_fields = ("ticket", "message", "policy")


@admin.register(TicketSla)
class TicketSlaAdmin(admin.ModelAdmin[TicketSla]):
    list_display = ("ticket", "policy", "due_at", "due_target", "breached")
    raw_id_fields = ("ticket",)
