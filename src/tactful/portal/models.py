"""One-time ways in to the customer portal: a code and a link, e-mailed together."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PortalCode(models.Model):
    """A login offer e-mailed to a customer: a six-digit code and a signed link.

    Either one logs in once (``used_at``), until ``expires_at``. Only a keyed hash of the code
    is kept; the link carries this row's id and ``nonce``, signed with the desk's key.
    ``attempts`` counts wrong codes typed against it (a few, then it is spent).
    """

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="+", verbose_name=_("customer")
    )
    address = models.EmailField(_("sent to"), max_length=254)
    code_hash = models.CharField(max_length=64, editable=False)
    nonce = models.CharField(max_length=32, editable=False)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("wrong codes typed"), default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("portal login code")
        verbose_name_plural = _("portal login codes")
        indexes = [models.Index(fields=["address", "-created_at"], name="portal_code_address")]

    def __str__(self) -> str:
        return f"{self.address} ({self.created_at:%Y-%m-%d %H:%M})"
