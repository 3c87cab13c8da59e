"""Playbooks, mounted at /playbooks/: the library, the editor, history, the ticket panel."""

from django.urls import path

from tactful.playbooks import views

app_name = "playbooks"

urlpatterns = [
    path("", views.library, name="library"),
    path("new/", views.create, name="create"),
    path("preview/", views.preview, name="preview"),
    path("<int:playbook_id>/edit/", views.edit, name="edit"),
    path("<int:playbook_id>/history/", views.history, name="history"),
    path("<int:playbook_id>/restore/<int:number>/", views.restore, name="restore"),
    path("tickets/<int:ticket_id>/panel/", views.ticket_panel, name="ticket_panel"),
    path(
        "tickets/<int:ticket_id>/<int:playbook_id>/check/",
        views.check_step,
        name="check_step",
    ),
]
