"""Periodic chat work: left, unanswered chats continue by e-mail."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="tactful.livechat.convert_unanswered_chats")
def convert_unanswered_chats_task() -> int:
    from tactful.livechat.services import convert_unanswered_chats

    return convert_unanswered_chats()
