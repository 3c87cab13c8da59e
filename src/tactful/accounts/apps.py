from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "tactful.accounts"
    label = "accounts"
    verbose_name = _("Agents and teams")

    def ready(self) -> None:
        from tactful.accounts import security, two_factor

        # Every successful login, whichever door (desk, admin), goes to the audit log, and its
        # session learns whether a second factor is owed.
        user_logged_in.connect(security.audit_login, dispatch_uid="tactful-audit-login")
        user_logged_in.connect(two_factor.on_login, dispatch_uid="tactful-two-factor-login")
