from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlaybooksConfig(AppConfig):
    name = "tactful.playbooks"
    label = "playbooks"
    verbose_name = _("Playbooks")

    def ready(self) -> None:
        # The timeline describes a kind once its class is known: a step ticked, a playbook done.
        from tactful.playbooks import events  # noqa: F401
