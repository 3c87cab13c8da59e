"""Reports, mounted at /reports/: the page and its CSV export."""

from django.urls import path

from tactful.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.report_page, name="report"),
    path("export.csv", views.report_csv, name="csv"),
]
