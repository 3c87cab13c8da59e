from django.urls import path

from tactful.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("health/", views.health, name="health"),
    path("ready/", views.ready, name="ready"),
    path("metrics", views.metrics, name="metrics"),
]
