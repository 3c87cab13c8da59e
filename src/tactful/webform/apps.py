from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebFormConfig(AppConfig):
    name = "tactful.webform"
    label = "webform"
    verbose_name = _("Contact form")
