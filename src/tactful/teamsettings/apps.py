from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeamSettingsConfig(AppConfig):
    name = "tactful.teamsettings"
    label = "teamsettings"
    verbose_name = _("Team settings")

    def ready(self) -> None:
        # The timeline reads stored custom-field changes through their event class, which
        # registers itself when its module is imported.
        from tactful.teamsettings import events  # noqa: F401
