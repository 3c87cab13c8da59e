from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiveChatConfig(AppConfig):
    name = "tactful.livechat"
    label = "livechat"
    verbose_name = _("Live chat")
