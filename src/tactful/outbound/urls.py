from django.urls import path

from tactful.outbound import views

app_name = "outbound"

urlpatterns = [
    path("messages/<int:message_id>/resend/", views.resend, name="resend"),
]
