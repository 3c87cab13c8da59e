"""URLs of the e-mail channel (mounted at /mail/)."""

from django.urls import path

from tactful.mail import views

app_name = "mail"

urlpatterns = [
    path("inbound/", views.inbound, name="inbound"),
    path("refused/<int:refused_id>/raw/", views.refused_raw, name="refused_raw"),
]
