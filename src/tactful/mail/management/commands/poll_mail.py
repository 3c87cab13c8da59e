"""``tactful manage poll_mail``: fetch new mail once, or keep watching with IMAP IDLE."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tactful.mail.imap import IDLE_REFRESH_SECONDS, poll_active_mailboxes, watch_mailbox
from tactful.mail.models import Mailbox


class Command(BaseCommand):
    help = (
        "Fetch new mail from the active IMAP mailboxes into tickets. Once by default; with "
        "--idle, keep running and fetch as soon as the server reports new mail (IMAP IDLE), "
        "polling instead where the server has no IDLE. Stops cleanly on SIGTERM or Ctrl-C."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--mailbox",
            action="append",
            dest="mailboxes",
            metavar="NAME",
            help="only this mailbox, even an inactive one (by name; repeat for several)",
        )
        parser.add_argument(
            "--idle", action="store_true", help="keep running, using IMAP IDLE where offered"
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=60.0,
            metavar="SECONDS",
            help="with --idle: seconds between polls on servers without IDLE (default 60)",
        )
        parser.add_argument(
            "--refresh",
            type=float,
            default=IDLE_REFRESH_SECONDS,
            metavar="SECONDS",
            help="with --idle: poll at least this often even when the server is silent",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        names: list[str] | None = options["mailboxes"]
        if names:
            known = set(Mailbox.objects.filter(name__in=names).values_list("name", flat=True))
            unknown = sorted(set(names) - known)
            if unknown:
                raise CommandError(f"No mailbox named: {', '.join(unknown)}")
        if options["interval"] <= 0 or options["refresh"] <= 0:
            raise CommandError("--interval and --refresh must be positive")
        if options["idle"]:
            self._watch(names, interval=options["interval"], refresh=options["refresh"])
            return
        failed = False
        for name, result in poll_active_mailboxes(names=names).items():
            line = (
                f"{name}: fetched {result.fetched}, new tickets {result.created}, "
                f"appended {result.appended}, duplicates {result.duplicates}, "
                f"refused {result.refused}"
            )
            if result.skipped:
                line = f"{name}: skipped (another poller is on it)"
            if result.error:
                failed = True
                self.stderr.write(f"{line}; error: {result.error}")
            else:
                self.stdout.write(line)
        if failed:
            raise CommandError("Some mailboxes could not be polled (see above).")

    def _watch(self, names: list[str] | None, *, interval: float, refresh: float) -> None:
        mailboxes = Mailbox.objects.filter(active=True)
        if names:
            mailboxes = Mailbox.objects.filter(name__in=names)
        ids = list(mailboxes.values_list("pk", flat=True))
        if not ids:
            raise CommandError("No active mailbox to watch.")
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        threads = [
            threading.Thread(
                target=watch_mailbox,
                args=(mailbox_id,),
                kwargs={"stop": stop, "refresh_seconds": refresh, "poll_seconds": interval},
                name=f"mailbox-{mailbox_id}",
                daemon=True,
            )
            for mailbox_id in ids
        ]
        for thread in threads:
            thread.start()
        self.stdout.write(f"Watching {len(threads)} mailbox(es); stop with Ctrl-C or SIGTERM.")
        self.stdout.flush()
        # Short joins so the main thread keeps handling signals.
        while any(thread.is_alive() for thread in threads):
            for thread in threads:
                thread.join(timeout=0.5)
        self.stdout.write("Stopped.")
