"""Chat URLs (under /chat/); the WebSocket routes are in ``routing``."""

from django.urls import path

from tactful.livechat import views

app_name = "livechat"

urlpatterns = [
    path("widget.js", views.widget_js, name="widget"),
    path("try/<slug:slug>/", views.try_widget, name="try"),
    path("embed/", views.embed_codes, name="embed"),
]
