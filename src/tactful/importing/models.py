"""Where imported things came from (so a second run imports nothing twice) and each run's report."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RunState(models.TextChoices):
    RUNNING = "running", _("Running")
    FINISHED = "finished", _("Finished")
    STOPPED = "stopped", _("Stopped before the end")


class ImportRun(models.Model):
    """One ``tactful import`` over one export: what it did and how far it got.

    ``records_done`` counts the export's records whose rows are committed; it is written in
    the same transaction as those rows, so a run stopped half-way resumes exactly after them.
    ``fingerprint`` identifies the export (its files' names, sizes and times), so only the
    same export resumes.
    """

    source = models.CharField(_("source"), max_length=16)
    namespace = models.CharField(_("namespace"), max_length=32)
    path = models.CharField(_("path"), max_length=1000)
    fingerprint = models.CharField(_("fingerprint"), max_length=64, db_index=True)
    state = models.CharField(
        _("state"), max_length=8, choices=RunState.choices, default=RunState.RUNNING
    )
    records_done = models.PositiveIntegerField(_("records done"), default=0)
    #: ``{"tickets": n, "messages": n, "customers": n, "agents": n, "skipped": n, …}``.
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    #: The first refusals, as ``"place (id): reason"`` lines.
    refusals = models.JSONField(_("refusals"), default=list, blank=True)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")

    def __str__(self) -> str:
        return f"{self.source} {self.path} ({self.get_state_display()})"


class SourceKind(models.TextChoices):
    TICKET = "ticket", _("Ticket")
    MESSAGE = "message", _("Message")
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")


class SourceKey(models.Model):
    """A desk object that came from another help desk, under that desk's id.

    ``namespace`` is the source (``zendesk``, ``freshdesk``, ``helpscout``, ``generic`` for
    CSV/JSONL, or a name given with ``--namespace``); ``external_id`` its id there;
    ``object_id`` the Tactful row (ticket, message, customer, agent or team, by ``kind``).
    """

    namespace = models.CharField(_("namespace"), max_length=32)
    kind = models.CharField(_("kind"), max_length=8, choices=SourceKind.choices)
    external_id = models.CharField(_("id in the source"), max_length=255)
    object_id = models.BigIntegerField(_("object"))
    run = models.ForeignKey(
        ImportRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("imported object")
        verbose_name_plural = _("imported objects")
        constraints = [
            models.UniqueConstraint(
                fields=["namespace", "kind", "external_id"], name="unique_source_key"
            )
        ]
        indexes = [models.Index(fields=["kind", "object_id"], name="source_key_object")]

    def __str__(self) -> str:
        return f"{self.namespace} {self.kind} {self.external_id} → {self.object_id}"
