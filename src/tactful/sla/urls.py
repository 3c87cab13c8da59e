"""Service levels, mounted at /sla/: policies, business hours, a ticket's targets panel."""

from django.urls import path

from tactful.sla import views

app_name = "sla"

urlpatterns = [
    path("policies/", views.policy_list, name="policies"),
    path("policies/new/", views.policy_new, name="policy_new"),
    path("policies/<int:policy_id>/", views.policy_edit, name="policy_edit"),
    path("policies/<int:policy_id>/delete/", views.policy_delete, name="policy_delete"),
    path("hours/new/", views.hours_new, name="hours_new"),
    path("hours/<int:hours_id>/", views.hours_edit, name="hours_edit"),
    path("tickets/<int:ticket_id>/targets/", views.ticket_targets, name="ticket_targets"),
]
