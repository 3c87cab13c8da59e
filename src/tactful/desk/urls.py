"""URL map: the inbox UI, the REST API (with its OpenAPI document), auth and the admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from tactful.api.api import api
from tactful.inbox import views as inbox_views

admin.site.site_header = "Tactful"
admin.site.site_title = "Tactful admin"

urlpatterns = [
    path("", inbox_views.home, name="home"),
    path("", include("tactful.monitoring.urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("tactful.inbox.urls")),
    path("outbound/", include("tactful.outbound.urls")),
    path("coach/", include("tactful.coaching.urls")),
    path("mail/", include("tactful.mail.urls")),
    path("chat/", include("tactful.livechat.urls")),
    path("contact/", include("tactful.webform.urls")),
    path("canned/", include("tactful.canned.urls")),
    path("automation/", include("tactful.automation.urls")),
    path("playbooks/", include("tactful.playbooks.urls")),
    path("knowledge/", include("tactful.knowledge.urls")),
    path("help/", include("tactful.knowledge.help_urls")),
]
