"""Settings for leads and admins, mounted at /settings/."""

from django.urls import path

from tactful.teamsettings import views

app_name = "teamsettings"

urlpatterns = [
    path("", views.teams, name="teams"),
    path("teams/<int:team_id>/", views.team_update, name="team_update"),
    path("agents/", views.agents, name="agents"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("fields/", views.fields, name="fields"),
    path("fields/<int:field_id>/delete/", views.field_delete, name="field_delete"),
    path("webhooks/", views.webhooks, name="webhooks"),
    path("webhooks/<int:webhook_id>/active/", views.webhook_active, name="webhook_active"),
    path("tickets/<int:ticket_id>/fields/", views.ticket_fields, name="ticket_fields"),
]
