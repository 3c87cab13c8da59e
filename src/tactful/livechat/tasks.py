"""Periodic chat work: left, unanswered chats continue by e-mail; abandoned calls end."""

from __future__ import annotations

from celery import shared_task

from tactful.livechat import calls
from tactful.livechat.services import convert_unanswered_chats


@shared_task(name="tactful.livechat.convert_unanswered_chats")
def convert_unanswered_chats_task() -> int:
    return convert_unanswered_chats()


@shared_task(name="tactful.livechat.end_abandoned_calls")
def end_abandoned_calls_task() -> int:
    return calls.end_abandoned_calls()
