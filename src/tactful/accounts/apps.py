from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "tactful.accounts"
    label = "accounts"
    verbose_name = _("Agents and teams")

    def ready(self) -> None:
        from tactful.accounts import security

        # Every successful login, whichever door (desk, admin), goes to the audit log.
        user_logged_in.connect(security.audit_login, dispatch_uid="tactful-audit-login")
