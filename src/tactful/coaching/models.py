"""What the coach read in each customer message, and whether reading it worked."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AnalysisStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class MessageAnalysis(models.Model):
    """The coach's reading of one incoming message, with the evidence spans.

    A failed analysis keeps its error and attempt count so the failure is visible and can be
    retried; the message itself is always saved first.
    """

    message = models.OneToOneField(
        "tickets.Message", on_delete=models.CASCADE, related_name="analysis"
    )
    status = models.CharField(
        _("status"), max_length=8, choices=AnalysisStatus.choices, default=AnalysisStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("last error"), blank=True)
    language = models.CharField(_("language"), max_length=3, blank=True)
    top_emotion = models.CharField(_("emotion"), max_length=16, blank=True)
    emotions = models.JSONField(_("emotion scores"), default=dict, blank=True)
    intensity = models.FloatField(_("intensity"), null=True, blank=True)
    formality = models.CharField(_("formality"), max_length=10, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    abuse = models.BooleanField(_("abusive"), default=False)
    threat = models.BooleanField(_("threat"), default=False)
    company_fault = models.BooleanField(_("company may be at fault"), default=False)
    #: Evidence as ``{"abuse": [[start, end], …], "threat": …, "questions": …, …}``.
    spans = models.JSONField(_("evidence"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    analysed_at = models.DateTimeField(_("analysed"), null=True, blank=True)
    #: When the sweep last queued this reading again (``None``: only when it was created), so
    #: a reading whose worker is down is not queued again on every sweep.
    requeued_at = models.DateTimeField(_("queued again"), null=True, blank=True)

    class Meta:
        verbose_name = _("message analysis")
        verbose_name_plural = _("message analyses")
        indexes = [models.Index(fields=["status"], name="analysis_status")]

    def __str__(self) -> str:
        return f"{self.get_status_display()} for message {self.message_id}"
