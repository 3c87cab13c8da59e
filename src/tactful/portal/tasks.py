"""The portal's login e-mail, sent by a worker after the request committed."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.translation import gettext as _


@shared_task(name="tactful.portal.send_login_mail")
def send_login_mail(*, address: str, language: str, link: str, code: str, minutes: int) -> None:
    """One e-mail with both ways in: the link, and the code for another device."""
    with translation.override(language):
        subject = _("Your link to your support tickets")
        body = _(
            "Hello,\n\nOpen this link to see your support tickets and answer them:\n\n"
            "%(link)s\n\nOr type this code on the login page: %(code)s\n\n"
            "The link and the code work once, for %(minutes)d minutes. If you did not ask "
            "for them, you can ignore this e-mail.\n"
        ) % {"link": link, "code": code, "minutes": minutes}
    EmailMessage(
        subject=subject, body=body, from_email=settings.TACTFUL_MAIL_FROM, to=[address]
    ).send()
