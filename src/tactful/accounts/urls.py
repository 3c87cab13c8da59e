from django.urls import path

from tactful.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.security_page, name="security"),
    path("lockouts/<int:pk>/lift/", views.lift_lockout, name="lift_lockout"),
    path("two-factor/", views.two_factor_setup, name="two_factor"),
    path("two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
]
