"""Beat's sweep queues again the readings that a crash or a broker outage left behind."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.conf import settings

from tactful.coaching import services, tasks
from tactful.coaching.models import AnalysisStatus, MessageAnalysis

pytestmark = pytest.mark.django_db

ANGRY = "This is the THIRD time you charged me twice!!! I am furious, fix it now."


def stuck_for(analysis: MessageAnalysis) -> datetime:
    return analysis.created_at + timedelta(seconds=settings.TACTFUL_ANALYSIS_STUCK_SECONDS + 1)


def test_a_reading_left_pending_is_read_once_it_has_waited_long_enough(desk):
    # No on-commit callbacks run here: the task was never sent, as after a crash.
    ticket = desk.ticket(body=ANGRY)
    analysis = MessageAnalysis.objects.get(message__ticket=ticket)
    assert analysis.status == AnalysisStatus.PENDING

    assert services.sweep_stuck_analyses(now=analysis.created_at + timedelta(minutes=1)) == 0
    assert services.sweep_stuck_analyses(now=stuck_for(analysis)) == 1

    analysis.refresh_from_db()
    assert analysis.status == AnalysisStatus.DONE
    assert analysis.top_emotion in {"anger", "frustration"}
    ticket.refresh_from_db()
    assert ticket.coach_state == "done"


def test_a_worker_that_stays_down_gets_each_reading_once_per_period(desk, monkeypatch):
    sent: list[list[int]] = []
    monkeypatch.setattr(tasks, "_send_batch", lambda ids: sent.append(list(ids)))
    ticket = desk.ticket(body=ANGRY)
    analysis = MessageAnalysis.objects.get(message__ticket=ticket)
    first = stuck_for(analysis)

    assert services.sweep_stuck_analyses(now=first) == 1
    assert services.sweep_stuck_analyses(now=first + timedelta(minutes=5)) == 0
    later = first + timedelta(seconds=settings.TACTFUL_ANALYSIS_STUCK_SECONDS + 1)
    assert services.sweep_stuck_analyses(now=later) == 1
    assert sent == [[analysis.message_id], [analysis.message_id]]


def test_failed_readings_are_retried_until_the_attempts_run_out(desk, monkeypatch):
    sent: list[int] = []
    monkeypatch.setattr(tasks, "_send_batch", lambda ids: sent.extend(ids))
    retried = MessageAnalysis.objects.get(message__ticket=desk.ticket(body="Where is my order?"))
    given_up = MessageAnalysis.objects.get(message__ticket=desk.ticket(body="Hola, ¿y mi pedido?"))
    done = MessageAnalysis.objects.get(message__ticket=desk.ticket(body="Спасибо, всё пришло."))
    MessageAnalysis.objects.filter(pk=retried.pk).update(status=AnalysisStatus.FAILED, attempts=2)
    MessageAnalysis.objects.filter(pk=given_up.pk).update(
        status=AnalysisStatus.FAILED, attempts=settings.TACTFUL_ANALYSIS_SWEEP_ATTEMPTS
    )
    MessageAnalysis.objects.filter(pk=done.pk).update(status=AnalysisStatus.DONE, attempts=1)

    assert services.sweep_stuck_analyses(now=stuck_for(done)) == 1
    assert sent == [retried.message_id]


def test_the_sweep_costs_the_same_queries_for_one_reading_or_many(
    desk, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(tasks, "_send_batch", lambda ids: None)
    analyses = [
        MessageAnalysis.objects.get(message__ticket=desk.ticket(body=f"Order {n} is late"))
        for n in range(30)
    ]
    with django_assert_max_num_queries(2):  # the stuck rows, then one stamp for all of them
        assert services.sweep_stuck_analyses(now=stuck_for(analyses[-1])) == 30


def test_beat_runs_the_sweep():
    entry = settings.CELERY_BEAT_SCHEDULE["sweep-stuck-analyses"]
    assert entry["task"] == tasks.sweep_stuck_analyses_task.name
