"""Satisfaction URLs: the customer's survey page and answer endpoint, the agents' pages."""

from django.urls import path

from tactful.satisfaction import public_views, views

app_name = "satisfaction"

urlpatterns = [
    path("s/<str:token>/", public_views.survey_page, name="survey"),
    path("s/<str:token>/answer/", public_views.survey_answer, name="answer"),
    path("", views.overview, name="overview"),
    path("tickets/<int:ticket_id>/", views.ticket_panel, name="ticket_panel"),
    path("reports/", views.report_list, name="reports"),
    path("reports/generate/", views.generate_report, name="generate"),
    path("reports/<int:report_id>/", views.report_page, name="report"),
    path("reports/<int:report_id>/pdf/", views.report_pdf, name="report_pdf"),
    path("teams/<int:team_id>/feed/", views.team_feed, name="feed"),
    path("feed/<int:item_id>/hold/", views.hold_item, name="hold"),
    path("feed/<int:item_id>/release/", views.release_item, name="release"),
    path("teams/<int:team_id>/settings/", views.team_settings, name="settings"),
]
