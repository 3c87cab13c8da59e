"""Live coaching on the ticket page, mounted at /coach/."""

from django.urls import path

from tactful.coaching import views

app_name = "coaching"

urlpatterns = [
    path("tickets/<int:ticket_id>/panel/", views.customer_panel, name="customer_panel"),
    path("tickets/<int:ticket_id>/review/", views.review, name="review"),
    path("tickets/<int:ticket_id>/paraphrase/", views.paraphrase, name="paraphrase"),
]
