"""URL map: the inbox UI, the REST API (with its OpenAPI document), auth and the admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic.base import RedirectView

from tactful.accounts.forms import AdminLoginForm
from tactful.accounts.views import LoginView
from tactful.api.api import api
from tactful.inbox import views as inbox_views

admin.site.site_header = "Tactful"
admin.site.site_title = "Tactful admin"
# The admin's login says "locked" like the desk's (both are throttled by the login backend).
admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("", inbox_views.home, name="home"),
    path("", include("tactful.monitoring.urls")),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # What people type: /login goes to the login page (keeping ?next=…).
    path("login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("login", RedirectView.as_view(pattern_name="login", query_string=True)),
    # Browsers ask for /favicon.ico whatever the page links to.
    path("favicon.ico", RedirectView.as_view(url=static("desk/favicon.svg"), permanent=True)),
    path("admin/", admin.site.urls),
    path("security/", include("tactful.accounts.urls")),
    path("api/v1/", api.urls),
    path("", include("tactful.inbox.urls")),
    path("outbound/", include("tactful.outbound.urls")),
    path("coach/", include("tactful.coaching.urls")),
    path("mail/", include("tactful.mail.urls")),
    path("chat/", include("tactful.livechat.urls")),
    path("contact/", include("tactful.webform.urls")),
    path("canned/", include("tactful.canned.urls")),
    path("automation/", include("tactful.automation.urls")),
    path("satisfaction/", include("tactful.satisfaction.urls")),
    path("quality/", include("tactful.quality.urls")),
    path("sla/", include("tactful.sla.urls")),
    path("reports/", include("tactful.reports.urls")),
    path("playbooks/", include("tactful.playbooks.urls")),
    path("knowledge/", include("tactful.knowledge.urls")),
    path("help/", include("tactful.knowledge.help_urls")),
    path("customers/", include("tactful.profiles.urls")),
    path("portal/", include("tactful.portal.urls")),
    path("settings/", include("tactful.teamsettings.urls")),
]
