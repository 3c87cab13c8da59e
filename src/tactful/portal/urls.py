"""The customer portal, mounted at /portal/."""

from django.urls import path

from tactful.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.ask, name="ask"),
    path("code/", views.code, name="code"),
    path("in/<str:token>/", views.link, name="link"),
    path("tickets/<int:ticket_id>/", views.ticket, name="ticket"),
    path("tickets/<int:ticket_id>/reply/", views.reply, name="reply"),
    path("logout/", views.logout, name="logout"),
]
