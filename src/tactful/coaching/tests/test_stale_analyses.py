"""Analyses whose task was lost (broker down, or restarted empty) are queued again by beat."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tactful.coaching.models import AnalysisStatus, MessageAnalysis
from tactful.coaching.tasks import sweep_stale_analyses
from tactful.tickets.models import MessageKind


def _analysis(desk, *, status: str, age: timedelta) -> MessageAnalysis:
    ticket = desk.ticket(body="I was charged twice and nobody answers. This is ridiculous!")
    message = ticket.messages.get(kind=MessageKind.INCOMING)
    analysis, _created = MessageAnalysis.objects.get_or_create(message=message)
    MessageAnalysis.objects.filter(pk=analysis.pk).update(
        status=status, created_at=timezone.now() - age
    )
    return analysis


@pytest.mark.django_db
def test_only_old_pending_analyses_are_queued_again(desk, settings):
    settings.TACTFUL_ANALYSIS_STALE_AFTER = 600
    lost = _analysis(desk, status=AnalysisStatus.PENDING, age=timedelta(hours=1))
    fresh = _analysis(desk, status=AnalysisStatus.PENDING, age=timedelta(seconds=5))
    failed = _analysis(desk, status=AnalysisStatus.FAILED, age=timedelta(hours=1))

    assert sweep_stale_analyses() == 1  # in-process Celery: the batch runs right here

    statuses = dict(
        MessageAnalysis.objects.filter(pk__in=[lost.pk, fresh.pk, failed.pk]).values_list(
            "pk", "status"
        )
    )
    assert statuses == {
        lost.pk: AnalysisStatus.DONE,
        fresh.pk: AnalysisStatus.PENDING,
        failed.pk: AnalysisStatus.FAILED,
    }
    assert sweep_stale_analyses() == 0  # nothing left to do: nothing queued twice


@pytest.mark.django_db
def test_nothing_stale_costs_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert sweep_stale_analyses() == 0


def test_beat_runs_the_sweep():
    from tactful.desk import settings as project_settings

    entry = project_settings.CELERY_BEAT_SCHEDULE["sweep-stale-analyses"]
    assert entry["task"] == "tactful.coaching.sweep_stale_analyses"
    from tactful.coaching.tasks import sweep_stale_analyses_task

    assert sweep_stale_analyses_task.name == entry["task"]
