from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProfilesConfig(AppConfig):
    name = "tactful.profiles"
    label = "profiles"
    verbose_name = _("Customer pages")

    def ready(self) -> None:
        # The timeline describes merges through their event classes: register them.
        from tactful.profiles import events  # noqa: F401
