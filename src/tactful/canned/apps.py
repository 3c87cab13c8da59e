from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CannedConfig(AppConfig):
    name = "tactful.canned"
    label = "canned"
    verbose_name = _("Canned responses")

    def ready(self) -> None:
        # The live review flags a template sent word for word (see personal_touch).
        from tactful.canned import personal_touch
        from tactful.coaching import draft_review

        draft_review.register_draft_check(personal_touch.personal_touch_findings)
