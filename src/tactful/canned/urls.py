"""Canned responses, mounted at /canned/: the library and the ticket page's picker endpoints."""

from django.urls import path

from tactful.canned import views

app_name = "canned"

urlpatterns = [
    path("", views.library, name="library"),
    path("new/", views.create, name="create"),
    path("<int:response_id>/edit/", views.edit, name="edit"),
    path("<int:response_id>/delete/", views.delete, name="delete"),
    path("<int:response_id>/copy/", views.copy, name="copy"),
    path("tickets/<int:ticket_id>/suggestions/", views.ticket_suggestions, name="suggestions"),
    path(
        "tickets/<int:ticket_id>/render/<int:variant_id>/",
        views.ticket_render,
        name="render",
    ),
]
