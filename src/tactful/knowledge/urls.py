"""The knowledge base for agents, mounted at /knowledge/ (the public help center is /help/)."""

from django.urls import path

from tactful.knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("preview/", views.preview, name="preview"),
    path("categories/", views.categories, name="categories"),
    path("<int:article_id>/", views.read, name="read"),
    path("<int:article_id>/edit/", views.edit, name="edit"),
    path("<int:article_id>/delete/", views.delete, name="delete"),
    path("tickets/<int:ticket_id>/suggestions/", views.ticket_suggestions, name="suggestions"),
]
