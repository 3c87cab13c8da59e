"""Periodic chat work: left, unanswered chats continue by e-mail."""

from __future__ import annotations

from celery import shared_task

from tactful.livechat.services import convert_unanswered_chats


@shared_task(name="tactful.livechat.convert_unanswered_chats")
def convert_unanswered_chats_task() -> int:
    return convert_unanswered_chats()
