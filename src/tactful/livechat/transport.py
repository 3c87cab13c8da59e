"""The ``chat`` transport: an agent's reply reaches the visitor's sockets, or their inbox.

``tactful.outbound`` calls :func:`send_chat` after the reply is committed (in the web process
when tasks run in-process, in a Celery worker otherwise). It pushes the reply through the
channel layer to every socket of the visitor and to the agents watching the ticket. A visitor
who is offline finds it in the history when they come back. With more than one process (web
workers plus Celery workers) the channel layer must be Redis: the in-memory layer only reaches
sockets held by the same process.

Once a left, unanswered chat was converted (``ChatSession.converted_to_email_at``), replies are
handed to the ``email`` transport instead; the message's channel becomes ``email`` so the
ticket page shows how it left and a retry goes straight to the mail transport.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils.translation import gettext as _

from tactful.customers.models import Channel
from tactful.livechat import services
from tactful.outbound import transports
from tactful.tickets.models import Message

logger = logging.getLogger(__name__)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def broadcast(group: str, event: dict[str, Any]) -> None:
    """Send one event to a channel-layer group from synchronous code.

    Raises what the layer raises (the outbox then retries the delivery), wherever it is called.
    """
    layer = get_channel_layer()
    if layer is None:  # no CHANNEL_LAYERS configured: nobody can be listening
        return
    if _running_loop() is None:
        async_to_sync(layer.group_send)(group, event)
        return
    # Synchronous code running inside an event loop's thread (a sync caller under a coroutine,
    # e.g. Playwright's sync API): async_to_sync refuses to run there, and scheduling the send
    # on that loop could not happen before this call returns, so a delivery would count as
    # sent before it left. A thread of its own has no loop: the send runs and finishes there,
    # and its errors come back here.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="chat-broadcast") as pool:
        pool.submit(async_to_sync(layer.group_send), group, event).result()


def _send_by_email(message: Message) -> str:
    message.channel = Channel.EMAIL
    email_transport = transports.transport_for(message)
    if email_transport is None:
        message.channel = Channel.CHAT
        raise transports.TemporaryDeliveryError(
            _("This chat continues by e-mail, but e-mail delivery is not configured yet.")
        )
    Message.objects.filter(pk=message.pk).update(channel=Channel.EMAIL)
    return email_transport.send(message)


def send_chat(message: Message) -> str:
    """Deliver an agent's chat reply; returns an id for the delivery record."""
    session = services.session_for_ticket(message.ticket_id)
    if session is None:
        raise transports.PermanentDeliveryError(_("This ticket has no chat to answer in."))
    payload = services.message_payload(message)
    event = {"type": "chat.message", "message": payload, "ticket": message.ticket_id}
    if session.converted:
        provider_id = _send_by_email(message)
        payload["channel"] = Channel.EMAIL
        # Should the visitor be back in the widget, they see it there too (ids deduplicate).
        # The e-mail has left: a channel-layer hiccup now must not make the outbox send it again.
        try:
            broadcast(services.visitor_group(session.pk), event)
            broadcast(services.agent_group(message.ticket_id), event)
        except Exception:
            logger.exception("reply %s was e-mailed but not pushed to the chat", message.pk)
        return provider_id
    broadcast(services.visitor_group(session.pk), event)
    broadcast(services.agent_group(message.ticket_id), event)
    return f"chat:{session.pk}:{message.pk}"


def register() -> None:
    transports.register(Channel.CHAT, send_chat)
