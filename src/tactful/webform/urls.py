"""Public contact forms: ``/contact/<team slug>/`` and its thank-you page."""

from django.urls import path

from tactful.webform import views

app_name = "webform"

urlpatterns = [
    path("<slug:slug>/", views.contact, name="contact"),
    path("<slug:slug>/thanks/", views.thanks, name="thanks"),
]
