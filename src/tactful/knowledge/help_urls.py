"""The public help center, mounted at /help/: the desk's, each team's, and suggestions."""

from django.urls import path

from tactful.knowledge import help_views

app_name = "help"

urlpatterns = [
    path("", help_views.home, name="home"),
    path("suggest/", help_views.suggest, name="suggest"),
    path("suggest/<uuid:key>/answered/", help_views.answered, name="answered"),
    path("suggest/<uuid:key>/wrote/", help_views.wrote, name="wrote"),
    path("a/<int:article_id>/", help_views.article, name="article"),
    path("<slug:center>/", help_views.home, name="team_home"),
    path("<slug:center>/a/<int:article_id>/", help_views.article, name="team_article"),
]
