"""Zendesk Support exports: the full JSON export and API responses saved to files.

What it reads (a file, or a folder of them, in any mix):

* the admin's **full JSON export** — JSON lines, one ticket per line with its ``comments``
  (and users in their own file, one per line);
* **API responses** — ``{"tickets": [...], "users": [...], "groups": [...]}`` pages (list
  endpoints, the incremental ticket export with ``include=users,groups``), one ticket
  ``{"ticket": {...}}``, and comments ``{"comments": [...]}`` saved per ticket as
  ``<ticket id>.json`` or with ``"ticket_id"`` beside the list.

Tickets (``id``, ``subject``, ``status``, ``priority``, ``via.channel``, ``requester_id``,
``assignee_id``, ``group_id``, ``tags``, ``custom_fields``, ``created_at``, ``updated_at``),
comments (``id``, ``author_id``, ``html_body``/``body``, ``public``, ``attachments``,
``created_at``) and users (``id``, ``name``, ``email``, ``phone``, ``role``, ``locale``) are
read as Zendesk's API reference documents them. Attachments are links (``content_url``): the
export has no files, and Tactful fetches nothing; they are kept on the message.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tactful.customers.models import Channel
from tactful.importing import values
from tactful.importing.readers.base import Reader, guarded, listing, mapping, size, sub
from tactful.importing.records import (
    AttachmentRecord,
    MessageRecord,
    Person,
    Record,
    Refusal,
    Skip,
    TicketRecord,
)
from tactful.tickets.models import Status

#: Zendesk's ticket statuses (``hold`` is waiting on a third party: pending here).
STATUSES: dict[Any, str] = {
    "new": Status.NEW,
    "open": Status.OPEN,
    "pending": Status.PENDING,
    "hold": Status.PENDING,
    "solved": Status.SOLVED,
    "closed": Status.CLOSED,
}
#: ``via.channel`` → Tactful channel.
CHANNELS = {
    "email": Channel.EMAIL,
    "web": Channel.WEB,
    "web_form": Channel.WEB,
    "web_widget": Channel.WEB,
    "help_center": Channel.WEB,
    "mobile_sdk": Channel.API,
    "api": Channel.API,
    "chat": Channel.CHAT,
    "chat_transcript": Channel.CHAT,
    "native_messaging": Channel.CHAT,
    "voice": Channel.PHONE,
    "phone": Channel.PHONE,
    "sms": Channel.SOCIAL,
    "twitter": Channel.SOCIAL,
    "facebook": Channel.SOCIAL,
    "instagram_dm": Channel.SOCIAL,
    "whatsapp": Channel.SOCIAL,
    "any_channel": Channel.SOCIAL,
    "forum": Channel.FORUM,
    "topic": Channel.FORUM,
}
AGENT_ROLES = {"agent", "admin"}
#: Zendesk's author id for comments made by the system (triggers, automations).
SYSTEM_AUTHOR = -1


def _is_ticket(obj: dict[str, Any]) -> bool:
    return "id" in obj and ("requester_id" in obj or "subject" in obj or "comments" in obj)


def _is_user(obj: dict[str, Any]) -> bool:
    return "id" in obj and "role" in obj and "subject" not in obj


class ZendeskReader(Reader):
    source = "zendesk"
    default_namespace = "zendesk"

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.users: dict[str, dict[str, Any]] = {}
        self.groups: dict[str, str] = {}
        self.comments: dict[str, list[dict[str, Any]]] = {}
        self.problems: list[Refusal] = []
        self.tickets = 0
        self._indexed = False

    # First pass: users, groups and separate comments (small next to the tickets), and how
    # many tickets there are. The second pass streams the tickets.
    def _index(self) -> None:
        if self._indexed:
            return
        self._indexed = True
        for path in self.files():
            for location, value in self.values_in(path):
                if isinstance(value, Refusal):
                    self.problems.append(value)
                    continue
                self._index_value(path, location, value)

    def _index_value(self, path: Path, location: str, value: Any) -> None:
        if isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    self._index_value(path, location, item)
            return
        if not isinstance(value, dict):
            return
        if _is_user(value):
            self.users[str(value["id"])] = value
            return
        if _is_ticket(value):
            self.tickets += 1
            return
        for user in value.get("users") or []:
            if isinstance(user, dict) and "id" in user:
                self.users[str(user["id"])] = user
        for group in value.get("groups") or []:
            if isinstance(group, dict) and "id" in group:
                self.groups[str(group["id"])] = str(group.get("name") or "")
        tickets = value.get("tickets")
        if isinstance(tickets, list):
            self.tickets += sum(1 for t in tickets if isinstance(t, dict))
        if isinstance(value.get("ticket"), dict):
            self.tickets += 1
        comments = value.get("comments")
        if isinstance(comments, list) and not _is_ticket(value):
            ticket_id = value.get("ticket_id")
            if ticket_id is None:
                digits = re.findall(r"\d+", path.stem)
                ticket_id = digits[-1] if digits else None
            if ticket_id is None:
                self.problems.append(
                    Refusal(location, "comments without a ticket id (name the file <id>.json)")
                )
                return
            self.comments.setdefault(str(ticket_id), []).extend(
                c for c in comments if isinstance(c, dict)
            )

    def count(self) -> int:
        self._index()
        return self.tickets + len(self.problems)

    def records(self) -> Iterator[Record]:
        self._index()
        yield from self.problems
        for path in self.files():
            for location, value in self.values_in(path):
                if isinstance(value, Refusal):
                    continue  # reported by the first pass
                yield from self._tickets_in(location, value)

    def _tickets_in(self, location: str, value: Any) -> Iterator[Record]:
        if isinstance(value, list):
            for n, item in enumerate(value, start=1):
                if isinstance(item, dict) and _is_ticket(item):
                    yield self._ticket(f"{location} item {n}", item)
            return
        if not isinstance(value, dict):
            return
        if _is_ticket(value) and not _is_user(value):
            yield self._ticket(location, value)
            return
        for n, item in enumerate(value.get("tickets") or [], start=1):
            if isinstance(item, dict):
                yield self._ticket(f"{location} ticket {n}", item)
        if isinstance(value.get("ticket"), dict):
            yield self._ticket(location, value["ticket"])

    def _ticket(self, location: str, obj: dict[str, Any]) -> Record:
        key = str(obj.get("id", ""))[:100]
        if str(obj.get("status", "")).lower() == "deleted":
            return Skip(location, "tickets deleted in the source", key)
        return guarded(location, key, lambda: self._build(location, obj))

    def _person(self, user_id: Any, *, warnings: list[str]) -> Person:
        user = self.users.get(str(user_id))
        if user is None:
            warnings.append("requester missing from the export's users (imported without name)")
            return Person(key=values.key(user_id, what="requester_id"))
        email = values.text(user.get("email"), limit=254, what="user e-mail").strip()
        phone = values.text(user.get("phone"), limit=64, what="user phone").strip()
        identities = []
        if email:
            identities.append((Channel.EMAIL.value, email))
        if phone:
            identities.append((Channel.PHONE.value, phone))
        return Person(
            key=values.key(user.get("id"), what="user id"),
            name=values.short_text(user.get("name"), limit=values.MAX_NAME, what="user name"),
            email=email,
            language=values.language(user.get("locale")),
            identities=tuple(identities),
            created_at=values.optional_when(user.get("created_at"), naive_zone=self.naive_zone),
        )

    def _agent(self, user_id: Any) -> Person | None:
        if user_id is None or user_id == SYSTEM_AUTHOR:
            return None
        user = self.users.get(str(user_id))
        if user is None:
            return Person(key=values.key(user_id, what="agent id"), role="agent", reference=True)
        return Person(
            key=values.key(user.get("id"), what="user id"),
            role="agent",
            name=values.short_text(user.get("name"), limit=values.MAX_NAME, what="agent name"),
            email=values.text(user.get("email"), limit=254, what="agent e-mail").strip(),
            agent_role="admin" if user.get("role") == "admin" else "agent",
        )

    def _build(self, location: str, obj: dict[str, Any]) -> TicketRecord:
        zone = self.naive_zone
        ticket_key = values.key(obj.get("id"), what="ticket id")
        warnings: list[str] = []
        requester_id = obj.get("requester_id")
        if requester_id is None:
            raise values.RecordError("requester_id is missing")
        customer = self._person(requester_id, warnings=warnings)
        via = sub(obj, "via")
        channel = CHANNELS.get(str(via.get("channel", "")).lower(), Channel.API)
        created = values.when(obj.get("created_at"), naive_zone=zone, what="created_at")
        raw_comments = obj.get("comments")
        if raw_comments is None:
            raw_comments = self.comments.get(ticket_key, [])
        comments = listing(raw_comments, "comments")
        if len(comments) > values.MAX_MESSAGES:
            raise values.RecordError(
                f"{len(comments):,} comments (at most {values.MAX_MESSAGES:,})"
            )
        messages = [
            self._comment(mapping(c, "comment"), n, requester_id, channel, warnings)
            for n, c in enumerate(comments, start=1)
        ]
        if not messages and obj.get("description"):
            messages.append(
                MessageRecord(
                    key=f"{ticket_key}:description",
                    kind="in",
                    body=values.body(obj.get("description"), what="description"),
                    created_at=created,
                    channel=channel,
                )
            )
        metric_set = sub(obj, "metric_set")
        custom = {}
        for field in listing(obj.get("custom_fields"), "custom_fields"):
            field = mapping(field, "custom field")
            if field.get("value") not in (None, "", []):
                custom[str(field.get("id"))] = field["value"]
        group = self.groups.get(str(obj.get("group_id")), "") if obj.get("group_id") else ""
        assignee = self._agent(obj.get("assignee_id"))
        if assignee is not None and assignee.reference:
            warnings.append("assignee missing from the export's users (left unassigned)")
            assignee = None
        return TicketRecord(
            key=ticket_key,
            location=location,
            subject=values.short_text(
                obj.get("subject") or obj.get("raw_subject"), limit=values.MAX_SUBJECT
            ),
            status=values.status(obj.get("status") or "open", table=STATUSES),
            priority=values.priority(obj.get("priority")),
            channel=channel,
            language=customer.language or "und",
            customer=customer,
            created_at=created,
            updated_at=values.optional_when(obj.get("updated_at"), naive_zone=zone),
            solved_at=values.optional_when(metric_set.get("solved_at"), naive_zone=zone),
            tags=values.tags(obj.get("tags")),
            team=values.short_text(group, limit=100),
            assignee=assignee,
            messages=tuple(messages),
            custom_fields=custom,
            number=ticket_key,
            warnings=tuple(dict.fromkeys(warnings)),
        )

    def _comment(
        self,
        obj: dict[str, Any],
        position: int,
        requester_id: Any,
        channel: str,
        warnings: list[str],
    ) -> MessageRecord:
        what = f"comment {position}"
        author_id = obj.get("author_id")
        user = self.users.get(str(author_id))
        public = obj.get("public", True) is not False
        author: Person | None
        if user is not None and user.get("role") in AGENT_ROLES:
            kind = "out" if public else "note"
            author = self._agent(author_id)
        elif user is not None or str(author_id) == str(requester_id):
            kind = "in"
            author = self._person(author_id, warnings=warnings)
        elif author_id is None or author_id == SYSTEM_AUTHOR:
            kind, author = ("out" if public else "note"), None
        else:
            # Not in the users we were given: someone on the desk's side, most likely.
            warnings.append("comment author missing from the export's users")
            kind, author = ("out" if public else "note"), None
        html = obj.get("html_body")
        if kind == "in":
            text, original = values.body(html or obj.get("body") or obj.get("plain_body")), ""
        else:  # Zendesk's ``body`` is the plain text of the comment
            text, original = values.reply_body(
                plain=obj.get("plain_body") or obj.get("body"), html=html, what=what
            )
        attachments = tuple(
            AttachmentRecord(
                filename=values.safe_filename(a.get("file_name") or a.get("name") or ""),
                content_type=values.text(a.get("content_type"), limit=100),
                size=size(a.get("size")),
                url=values.text(a.get("content_url"), limit=2000),
            )
            for a in (
                mapping(x, "attachment") for x in listing(obj.get("attachments"), "attachments")
            )
        )
        via = sub(obj, "via")
        return MessageRecord(
            key=values.key(obj.get("id"), what=f"{what} id"),
            kind=kind,  # type: ignore[arg-type]
            body=text,
            original_body=original,
            created_at=values.when(obj.get("created_at"), naive_zone=self.naive_zone, what=what),
            author=author,
            # A customer may write on another channel than the ticket's; an agent's ``via`` is
            # the tool they used (the web UI), not the way the reply went.
            channel=CHANNELS.get(str(via.get("channel", "")).lower(), channel)
            if kind == "in"
            else channel,
            attachments=attachments,
        )
