"""Quality reviews, mounted at /quality/."""

from django.urls import path

from tactful.quality import views

app_name = "quality"

urlpatterns = [
    path("", views.home, name="home"),
    path("mine/", views.my_reviews, name="mine"),
    path("reviews/<int:review_id>/", views.review_detail, name="review"),
    path("reviews/<int:review_id>/dispute/", views.dispute, name="dispute"),
    path("disputes/", views.disputes, name="disputes"),
    path("disputes/<int:dispute_id>/resolve/", views.resolve, name="resolve"),
    path("tickets/<int:ticket_id>/grade/", views.grade, name="grade"),
    path("tickets/<int:ticket_id>/panel/", views.ticket_panel, name="ticket_panel"),
    path("scorecards/", views.scorecard_list, name="scorecards"),
    path("scorecards/new/", views.scorecard_edit, name="scorecard_new"),
    path("scorecards/restore/", views.scorecard_restore, name="scorecard_restore"),
    path("scorecards/<int:scorecard_id>/", views.scorecard_edit, name="scorecard_edit"),
    path("scorecards/<int:scorecard_id>/delete/", views.scorecard_delete, name="scorecard_delete"),
    path("sampling/", views.sampling_page, name="sampling"),
    path("sampling/<int:team_id>/", views.sampling_save, name="sampling_save"),
    path("sampling/<int:team_id>/draw/", views.sampling_draw, name="sampling_draw"),
    path("calibration/", views.calibration_list, name="calibration"),
    path("calibration/<int:round_id>/", views.round_detail, name="round"),
    path("team/", views.team_score, name="team"),
]
