"""Playbooks as people read them: the ticket panel's cards, the reasons in words, the history."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from tactful.accounts.models import Agent
from tactful.customers.models import Channel
from tactful.playbooks import selectors, services, steps
from tactful.playbooks.models import Playbook, PlaybookLanguage, PlaybookVersion, Signal
from tactful.tickets.models import Ticket
from tactful.tickets.presenters import emotion_label


@lru_cache(maxsize=512)
def _read(body: str) -> tuple[steps.Block, ...]:
    # Keyed by the text itself: an edited playbook is simply another key.
    return tuple(steps.read(body))


def render_blocks(body: str) -> tuple[steps.Block, ...]:
    """``body`` read as text blocks and numbered steps, sanitised (cached per text)."""
    return _read(body)


@dataclass(frozen=True, slots=True)
class StepRow:
    number: int
    html: SafeString
    done: bool
    by: str
    when: str


@dataclass(frozen=True, slots=True)
class BlockRow:
    html: SafeString | None
    steps: tuple[StepRow, ...]


@dataclass(frozen=True, slots=True)
class PlaybookCard:
    """One playbook on the ticket page, in the language the agent reads best."""

    id: int
    title: str
    language: str
    blocks: tuple[BlockRow, ...]
    done: int
    total: int
    reasons: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done == self.total


def reason_label(reason: str) -> str:
    """A stored trigger (``billing``, ``company_fault``, ``emotion:anger``) in words."""
    if reason.startswith("emotion:"):
        return emotion_label(reason.split(":", 1)[1])
    if reason in Signal.values:
        return str(Signal(reason).label)
    return _("tag “%(tag)s”") % {"tag": reason}


def _when(value: Any) -> str:
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return date_format(local, "SHORT_DATETIME_FORMAT")


def ticket_cards(
    matches: Sequence[selectors.Match], *, agent: Agent, ticket: Ticket
) -> list[PlaybookCard]:
    preferences = services.language_order(agent=agent, ticket=ticket)
    cards = []
    for match in matches:
        variant = services.pick_variant(list(match.playbook.variants.all()), preferences)
        if variant is None:
            continue
        blocks = []
        total = done = 0
        for block in render_blocks(variant.body):
            rows = []
            for step in block.steps:
                state = match.steps.get(step.number)
                ticked = bool(state and state.done)
                total += 1
                done += ticked
                rows.append(
                    StepRow(
                        number=step.number,
                        html=step.html,
                        done=ticked,
                        by=state.by if state and ticked else "",
                        when=_when(state.at) if state and ticked else "",
                    )
                )
            blocks.append(BlockRow(html=block.html, steps=tuple(rows)))
        cards.append(
            PlaybookCard(
                id=int(match.playbook.pk),
                title=variant.title,
                language=variant.language,
                blocks=tuple(blocks),
                done=done,
                total=total,
                reasons=tuple(reason_label(r) for r in match.reasons),
            )
        )
    return cards


# --- the library ------------------------------------------------------------------------------


def where_in_words(playbook: Playbook) -> list[str]:
    """Where a playbook applies, as short phrases for the library."""
    parts: list[str] = []
    teams = [team.name for team in playbook.teams.all()]
    parts.append(_("Teams: %(teams)s") % {"teams": ", ".join(teams)} if teams else _("Every team"))
    if playbook.channels:
        labels = dict(Channel.choices)
        parts.append(
            _("Channels: %(channels)s")
            % {"channels": ", ".join(str(labels.get(c, c)) for c in playbook.channels)}
        )
    triggers = [reason_label(tag) for tag in playbook.tags]
    triggers += [reason_label(signal) for signal in playbook.signals]
    if playbook.emotions:
        emotions = ", ".join(emotion_label(e) for e in playbook.emotions)
        if playbook.min_intensity:
            emotions += " " + _("(intensity %(n)d%% or more)") % {
                "n": round(float(playbook.min_intensity) * 100)
            }
        triggers.append(emotions)
    parts.append(
        _("When: %(triggers)s") % {"triggers": "; ".join(triggers)}
        if triggers
        else _("On every ticket")
    )
    return parts


def title_for(playbook: Playbook, agent: Agent) -> str:
    variant = services.pick_variant(
        list(playbook.variants.all()), services.language_order(agent=agent)
    )
    return variant.title if variant is not None else playbook.name


# --- history ----------------------------------------------------------------------------------


def change_label(code: str) -> str:
    if code == "created":
        return _("created")
    if code == "name":
        return _("name")
    if code == "active":
        return _("on/off")
    if code == "order":
        return _("order")
    if code == "where":
        return _("where it applies")
    if code.startswith("text:"):
        language = code.split(":", 1)[1]
        name = (
            str(PlaybookLanguage(language).label)
            if language in PlaybookLanguage.values
            else language
        )
        return _("%(language)s text") % {"language": name}
    return code


@dataclass(frozen=True, slots=True)
class DiffLine:
    kind: str  # "add", "remove", "same", "gap"
    text: str


@dataclass(frozen=True, slots=True)
class VersionRow:
    number: int
    by: str
    when: str
    changes: tuple[str, ...]
    diffs: tuple[tuple[str, tuple[DiffLine, ...]], ...]
    current: bool


def _text(snapshot: Mapping[str, Any], code: str) -> list[str]:
    variant = (snapshot.get("variants") or {}).get(code) or {}
    if not variant:
        return []
    return [f"# {variant.get('title', '')}", *str(variant.get("body", "")).splitlines()]


def _diff(before: list[str], after: list[str]) -> tuple[DiffLine, ...]:
    lines = []
    for line in difflib.unified_diff(before, after, lineterm="", n=1):
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            lines.append(DiffLine("gap", "…"))
        elif line.startswith("+"):
            lines.append(DiffLine("add", line[1:]))
        elif line.startswith("-"):
            lines.append(DiffLine("remove", line[1:]))
        else:
            lines.append(DiffLine("same", line[1:]))
    return tuple(lines)


def history_rows(playbook: Playbook, versions: Sequence[PlaybookVersion]) -> list[VersionRow]:
    """Newest first; each version with what its texts gained and lost against the one before."""
    ordered = sorted(versions, key=lambda v: v.number)
    rows = []
    previous: Mapping[str, Any] = {}
    for version in ordered:
        diffs = []
        for code in PlaybookLanguage.values:
            before, after = _text(previous, code), _text(version.snapshot, code)
            if before != after:
                diffs.append((str(PlaybookLanguage(code).label), _diff(before, after)))
        by = version.edited_by
        rows.append(
            VersionRow(
                number=version.number,
                by=str(by) if by else _("Tactful (starter playbook)"),
                when=_when(version.edited_at),
                changes=tuple(change_label(c) for c in version.changes),
                diffs=tuple(diffs),
                current=version.number == playbook.version,
            )
        )
        previous = version.snapshot
    return list(reversed(rows))
