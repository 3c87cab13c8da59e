"""A tiny SMTP server on loopback that keeps every message it is handed, for the load test.

The desk's Celery workers send agents' replies to it through Django's real SMTP backend
(``TACTFUL_SMTP_URL``), so the load test can count what actually left the desk: a reply that
reaches the sink twice was delivered twice. It speaks just enough SMTP for ``smtplib``: HELO/EHLO,
MAIL, RCPT, DATA (with dot-unstuffing), RSET, NOOP, QUIT. No TLS, no auth, no relaying.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email.policy import default as default_policy


@dataclass
class SmtpSink:
    """Runs the server in a thread of its own; ``messages`` holds each message's raw bytes."""

    host: str = "127.0.0.1"
    port: int = 0
    messages: list[bytes] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _server: asyncio.Server | None = None

    def start(self) -> SmtpSink:
        ready = threading.Event()

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            self._server = loop.run_until_complete(
                asyncio.start_server(self._session, self.host, self.port)
            )
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            loop.run_forever()
            self._server.close()
            loop.run_until_complete(self._server.wait_closed())
            loop.close()

        self._thread = threading.Thread(target=serve, name="loadtest-smtp-sink", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the SMTP sink did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def snapshot(self) -> list[bytes]:
        with self._lock:
            return list(self.messages)

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async def say(line: str) -> None:
            writer.write(line.encode("ascii") + b"\r\n")
            await writer.drain()

        await say("220 loadtest-sink ESMTP")
        try:
            while True:
                raw = await reader.readline()
                if not raw:
                    break
                command = raw.decode("latin-1").strip()
                verb = command.split(" ", 1)[0].upper()
                if verb == "EHLO":
                    # 8BITMIME: Django may hand over UTF-8 bodies as 8bit.
                    await say("250-loadtest-sink")
                    await say("250 8BITMIME")
                elif verb in {"HELO", "MAIL", "RCPT", "RSET", "NOOP"}:
                    await say("250 OK")
                elif verb == "DATA":
                    await say("354 End data with <CR><LF>.<CR><LF>")
                    lines: list[bytes] = []
                    while True:
                        line = await reader.readline()
                        if not line or line in {b".\r\n", b".\n"}:
                            break
                        lines.append(line[1:] if line.startswith(b"..") else line)
                    with self._lock:
                        self.messages.append(b"".join(lines))
                    await say("250 OK: queued")
                elif verb == "QUIT":
                    await say("221 Bye")
                    break
                else:
                    await say("502 Command not implemented")
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


def text_of(raw: bytes) -> str:
    """Every text part of a message, decoded (a marker may sit in a base64 or QP body)."""
    message = message_from_bytes(raw, policy=default_policy)
    texts = [str(message.get("Subject", ""))]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                texts.append(payload.decode(part.get_content_charset() or "utf-8", "replace"))
    return "\n".join(texts)
