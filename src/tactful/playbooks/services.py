"""Playbooks: write them (every save a version), tick their steps off on a ticket, ship starters."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from tactful.accounts.models import Agent, Team
from tactful.coach import EMOTIONS
from tactful.customers.models import Channel
from tactful.playbooks import events as playbook_events
from tactful.playbooks import selectors, steps
from tactful.playbooks.models import (
    MAX_BODY_CHARS,
    MAX_NAME_CHARS,
    Playbook,
    PlaybookLanguage,
    PlaybookVariant,
    PlaybookVersion,
    Signal,
)
from tactful.tickets import events, permissions, timeline
from tactful.tickets.models import Ticket, TicketEvent

LANGUAGES: tuple[str, ...] = tuple(PlaybookLanguage.values)
STARTER_FILE = Path(__file__).resolve().parent / "starter" / "playbooks.json"
MAX_TAGS = 20
MAX_TAG_CHARS = 50
MAX_STEPS = 40


# --- who may change what ----------------------------------------------------------------------


def can_edit(agent: Agent, team_ids: Iterable[int]) -> bool:
    """Leads change shared playbooks and those of their own teams; admins any."""
    if not agent.is_active or not agent.is_lead:
        return False
    if agent.is_admin:
        return True
    return set(team_ids) <= permissions.team_ids(agent)


def can_edit_playbook(agent: Agent, playbook: Playbook) -> bool:
    return can_edit(agent, [team.pk for team in playbook.teams.all()])


def editable_teams(agent: Agent) -> list[Team]:
    if agent.is_admin:
        return list(Team.objects.order_by("name"))
    if not agent.is_lead:
        return []
    return list(Team.objects.filter(pk__in=sorted(permissions.team_ids(agent))).order_by("name"))


# --- writing a playbook -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VariantText:
    """What an editor typed for one language (an empty body leaves the language out)."""

    title: str
    body: str


@dataclass(frozen=True, slots=True)
class Where:
    """Where a playbook applies: its scope (teams, channels) and its triggers."""

    team_ids: tuple[int, ...] = ()
    channels: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    signals: tuple[str, ...] = ()
    emotions: tuple[str, ...] = ()
    min_intensity: float = 0.0


@dataclass(frozen=True, slots=True)
class PlaybookDraft:
    """A playbook as the editor submitted it, before it is checked and saved."""

    name: str
    variants: Mapping[str, VariantText]
    where: Where = field(default_factory=Where)
    active: bool = True
    order: int = 100


def clean_tags(values: Iterable[str]) -> tuple[str, ...]:
    """Tags as tickets store them: lower-case, trimmed, unique, in the order given."""
    found: list[str] = []
    for value in values:
        tag = " ".join(str(value).split()).lower()
        if not tag:
            continue
        if len(tag) > MAX_TAG_CHARS:
            raise ValidationError(
                {"tags": _("A tag is longer than %(n)d characters.") % {"n": MAX_TAG_CHARS}}
            )
        if tag not in found:
            found.append(tag)
    if len(found) > MAX_TAGS:
        raise ValidationError({"tags": _("At most %(n)d tags.") % {"n": MAX_TAGS}})
    return tuple(found)


def _clean_where(where: Where) -> Where:
    problems: dict[str, str] = {}
    if any(c not in Channel.values for c in where.channels):
        problems["channels"] = _("Choose channels from the list.")
    if any(s not in Signal.values for s in where.signals):
        problems["signals"] = _("Choose the coach's signals from the list.")
    if any(e not in EMOTIONS for e in where.emotions):
        problems["emotions"] = _("Choose emotions from the list.")
    intensity = float(where.min_intensity)
    if not math.isfinite(intensity) or not 0.0 <= intensity <= 1.0:
        problems["min_intensity"] = _("The intensity is between 0 and 1.")
    if problems:
        raise ValidationError(problems)
    return Where(
        team_ids=tuple(sorted(set(where.team_ids))),
        channels=tuple(c for c in Channel.values if c in where.channels),
        tags=clean_tags(where.tags),
        signals=tuple(s for s in Signal.values if s in where.signals),
        emotions=tuple(e for e in EMOTIONS if e in where.emotions),
        min_intensity=round(intensity, 2),
    )


def _clean_variants(variants: Mapping[str, VariantText], name: str) -> dict[str, VariantText]:
    problems: dict[str, list[str]] = {}
    clean: dict[str, VariantText] = {}
    counts: dict[str, int] = {}
    for code, text in variants.items():
        if code not in LANGUAGES:
            raise ValidationError(_("Unknown language: %(code)s") % {"code": str(code)[:10]})
        body = text.body.replace("\r\n", "\n").strip()
        title = " ".join(text.title.split()) or name
        if not body:
            continue
        if "\x00" in body or "\x00" in title:
            problems.setdefault(f"body_{code}", []).append(_("The text contains a NUL character."))
            continue
        if len(body) > MAX_BODY_CHARS:
            problems.setdefault(f"body_{code}", []).append(
                _("At most %(n)d characters.") % {"n": MAX_BODY_CHARS}
            )
            continue
        if len(title) > MAX_NAME_CHARS:
            problems.setdefault(f"title_{code}", []).append(
                _("At most %(n)d characters.") % {"n": MAX_NAME_CHARS}
            )
        count = steps.count_steps(body)
        if count == 0:
            problems.setdefault(f"body_{code}", []).append(
                _("Write the steps as a numbered list (1. …) or as a checklist (- [ ] …).")
            )
        elif count > MAX_STEPS:
            problems.setdefault(f"body_{code}", []).append(
                _("At most %(n)d steps.") % {"n": MAX_STEPS}
            )
        counts[code] = count
        clean[code] = VariantText(title=title, body=body)
    if not problems and len(set(counts.values())) > 1:
        described = ", ".join(
            f"{PlaybookLanguage(code).label}: {n}" for code, n in sorted(counts.items())
        )
        problems["__all__"] = [
            _(
                "Every language needs the same steps, so that progress ticked in one reads in "
                "the others (%(counts)s)."
            )
            % {"counts": described}
        ]
    if problems:
        raise ValidationError(problems)
    if not clean:
        raise ValidationError(_("Write the steps in at least one language."))
    return clean


def _snapshot(
    *, name: str, active: bool, order: int, where: Where, variants: Mapping[str, VariantText]
) -> dict[str, Any]:
    names: dict[int, str] = (
        dict(Team.objects.filter(pk__in=where.team_ids).values_list("pk", "name"))
        if where.team_ids
        else {}
    )
    return {
        "name": name,
        "active": active,
        "order": order,
        "teams": list(where.team_ids),
        "team_names": [names.get(pk, f"#{pk}") for pk in where.team_ids],
        "channels": list(where.channels),
        "tags": list(where.tags),
        "signals": list(where.signals),
        "emotions": list(where.emotions),
        "min_intensity": where.min_intensity,
        "variants": {
            code: {"title": text.title, "body": text.body}
            for code, text in sorted(variants.items())
        },
    }


_WHERE_KEYS = ("teams", "channels", "tags", "signals", "emotions", "min_intensity")


def changes_between(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[str]:
    """What differs between two snapshots: ``name``, ``where``, ``active``, ``order`` and
    ``text:<language>`` for each language added, removed or rewritten (``created`` at first)."""
    if not before:
        return ["created"]
    found = [key for key in ("name", "active", "order") if before.get(key) != after.get(key)]
    if any(before.get(key) != after.get(key) for key in _WHERE_KEYS):
        found.append("where")
    old = before.get("variants") or {}
    new = after.get("variants") or {}
    for code in LANGUAGES:
        if old.get(code) != new.get(code):
            found.append(f"text:{code}")
    return found


def current_snapshot(playbook: Playbook) -> dict[str, Any]:
    latest = playbook.versions.order_by("-number").first()
    return dict(latest.snapshot) if latest is not None else {}


def save_playbook(*, draft: PlaybookDraft, by: Agent, playbook: Playbook | None = None) -> Playbook:
    """Create a playbook or save a new version of ``playbook``.

    Every save that changes something is a :class:`PlaybookVersion` with who, when, what
    changed and the whole playbook as saved; a save that changes nothing writes nothing.

    Raises:
        PermissionDenied: ``by`` may not edit this playbook or give it these teams.
        ValidationError: a field is wrong (keyed by form field).
    """
    name = " ".join(draft.name.split())
    if not name:
        raise ValidationError({"name": _("Give the playbook a name.")})
    if len(name) > MAX_NAME_CHARS:
        raise ValidationError({"name": _("At most %(n)d characters.") % {"n": MAX_NAME_CHARS}})
    where = _clean_where(draft.where)
    variants = _clean_variants(draft.variants, name)
    known = set(Team.objects.filter(pk__in=where.team_ids).values_list("pk", flat=True))
    if known != set(where.team_ids):
        raise ValidationError({"teams": _("Choose teams from the list.")})
    if playbook is not None and not can_edit_playbook(by, playbook):
        raise PermissionDenied(_("Only leads of this playbook's teams can change it."))
    if not can_edit(by, where.team_ids):
        raise PermissionDenied(_("You can only give a playbook teams you lead."))
    snapshot = _snapshot(
        name=name, active=draft.active, order=draft.order, where=where, variants=variants
    )
    with events.atomic():
        if playbook is None:
            playbook = Playbook(created_by=by, version=0)
            previous: dict[str, Any] = {}
        else:
            playbook = Playbook.objects.select_for_update().get(pk=playbook.pk)
            previous = current_snapshot(playbook)
        changes = changes_between(previous, snapshot)
        if not changes:
            return playbook
        _write(playbook, snapshot=snapshot, where=where, variants=variants)
        PlaybookVersion.objects.create(
            playbook=playbook,
            number=playbook.version,
            edited_by=by,
            changes=changes,
            snapshot=snapshot,
        )
    return playbook


def _write(
    playbook: Playbook,
    *,
    snapshot: Mapping[str, Any],
    where: Where,
    variants: Mapping[str, VariantText],
) -> None:
    playbook.name = snapshot["name"]
    playbook.active = snapshot["active"]
    playbook.order = snapshot["order"]
    playbook.channels = list(where.channels)
    playbook.tags = list(where.tags)
    playbook.signals = list(where.signals)
    playbook.emotions = list(where.emotions)
    playbook.min_intensity = where.min_intensity
    playbook.version = (playbook.version or 0) + 1
    playbook.save()
    playbook.teams.set(where.team_ids)
    PlaybookVariant.objects.filter(playbook=playbook).exclude(language__in=list(variants)).delete()
    for code, text in variants.items():
        PlaybookVariant.objects.update_or_create(
            playbook=playbook, language=code, defaults={"title": text.title, "body": text.body}
        )


def restore_version(*, playbook: Playbook, number: int, by: Agent) -> Playbook:
    """Save an older version's contents as the newest version (history is never rewritten)."""
    version = PlaybookVersion.objects.filter(playbook=playbook, number=number).first()
    if version is None:
        raise ValidationError(_("No such version."))
    snap = version.snapshot
    draft = PlaybookDraft(
        name=str(snap.get("name", playbook.name)),
        active=bool(snap.get("active", True)),
        order=int(snap.get("order", 100)),
        where=Where(
            team_ids=tuple(
                pk
                for pk in snap.get("teams", [])
                if Team.objects.filter(pk=pk).exists()  # a team deleted since is dropped
            ),
            channels=tuple(snap.get("channels", [])),
            tags=tuple(snap.get("tags", [])),
            signals=tuple(snap.get("signals", [])),
            emotions=tuple(snap.get("emotions", [])),
            min_intensity=float(snap.get("min_intensity", 0.0)),
        ),
        variants={
            code: VariantText(title=str(text.get("title", "")), body=str(text.get("body", "")))
            for code, text in (snap.get("variants") or {}).items()
        },
    )
    return save_playbook(draft=draft, by=by, playbook=playbook)


# --- working through a playbook on a ticket ---------------------------------------------------


def language_order(*, agent: Agent | None, ticket: Ticket | None = None) -> list[str]:
    """The languages to show a playbook in, best first: the agent's interface (playbooks are
    for the agent), the ticket's, English."""
    ordered: list[str] = []
    for code in (agent.language if agent else None, ticket.language if ticket else None, "en"):
        if code in LANGUAGES and code not in ordered:
            ordered.append(code)
    return ordered


def pick_variant(
    variants: Sequence[PlaybookVariant], preferences: Sequence[str]
) -> PlaybookVariant | None:
    by_language = {variant.language: variant for variant in variants}
    for code in preferences:
        if code in by_language:
            return by_language[code]
    return next(iter(sorted(by_language.values(), key=lambda v: v.language)), None)


def check_step(
    *, ticket: Ticket, playbook: Playbook, number: int, done: bool, by: Agent
) -> TicketEvent | None:
    """Tick step ``number`` of ``playbook`` off on ``ticket`` (or un-tick it).

    Recorded on the ticket's timeline; ticking the last open step also records that the
    playbook is complete. Ticking a step that is already in that state records nothing.

    Raises:
        PermissionDenied: ``by`` cannot see the ticket.
        ValidationError: the playbook is not one this ticket shows, or no such step.
    """
    permissions.check_can_view(by, ticket)
    with events.atomic():
        # One agent at a time per ticket: two last steps ticked at once complete it once.
        ticket = Ticket.objects.select_for_update(no_key=True).get(pk=ticket.pk)
        shown = {match.playbook.pk: match for match in selectors.for_ticket(ticket)}
        match = shown.get(playbook.pk)
        if match is None:
            raise ValidationError(_("This playbook does not apply to this ticket."))
        playbook = match.playbook
        variant = pick_variant(
            list(playbook.variants.all()), language_order(agent=by, ticket=ticket)
        )
        all_steps = steps.steps_of(variant.body) if variant is not None else []
        if not 1 <= number <= len(all_steps):
            raise ValidationError(_("This playbook has no step %(n)d.") % {"n": number})
        state = match.steps.get(number)
        if (state.done if state else False) == done:
            return None
        was_complete = _complete(match.steps, len(all_steps))
        row = timeline.record(
            playbook_events.PlaybookStepChecked(
                ticket=ticket,
                by=by,
                playbook_id=playbook.pk,
                playbook=playbook.name,
                version=playbook.version,
                number=number,
                text=all_steps[number - 1].text,
                done=done,
            )
        )
        after = {**match.steps, number: selectors.StepState(done, "", row.created_at, 0)}
        if done and not was_complete and _complete(after, len(all_steps)):
            timeline.record(
                playbook_events.PlaybookCompleted(
                    ticket=ticket,
                    by=by,
                    playbook_id=playbook.pk,
                    playbook=playbook.name,
                    version=playbook.version,
                    steps=len(all_steps),
                )
            )
    return row


def _complete(states: Mapping[int, selectors.StepState], total: int) -> bool:
    return total > 0 and all(
        states.get(n) is not None and states[n].done for n in range(1, total + 1)
    )


# --- the starter playbooks --------------------------------------------------------------------


def read_starter(path: Path = STARTER_FILE) -> list[dict[str, Any]]:
    """The shipped playbooks (checked: every language has the same steps)."""
    items: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    for item in items:
        counts = {code: steps.count_steps(text["body"]) for code, text in item["variants"].items()}
        if (
            set(counts) != set(LANGUAGES)
            or len(set(counts.values())) != 1
            or not all(counts.values())
        ):
            raise ValueError(f"starter playbook {item['key']}: steps per language {counts}")
    return items


def load_starter(
    *,
    playbook_model: Any = Playbook,
    variant_model: Any = PlaybookVariant,
    version_model: Any = PlaybookVersion,
) -> int:
    """Add the shipped playbooks that are not there yet (by key); returns how many were added.

    Takes the models as arguments so a data migration can pass its historical ones.
    """
    added = 0
    for item in read_starter():
        if playbook_model.objects.filter(starter_key=item["key"]).exists():
            continue
        where = item.get("where", {})
        playbook = playbook_model.objects.create(
            name=item["variants"]["en"]["title"],
            order=item.get("order", 100),
            channels=where.get("channels", []),
            tags=where.get("tags", []),
            signals=where.get("signals", []),
            emotions=where.get("emotions", []),
            min_intensity=where.get("min_intensity", 0.0),
            starter_key=item["key"],
            version=1,
        )
        variants = {
            code: VariantText(title=text["title"], body=text["body"].strip())
            for code, text in item["variants"].items()
        }
        for code, text in variants.items():
            variant_model.objects.create(
                playbook=playbook, language=code, title=text.title, body=text.body
            )
        version_model.objects.create(
            playbook=playbook,
            number=1,
            changes=["created"],
            snapshot=_snapshot(
                name=playbook.name,
                active=True,
                order=playbook.order,
                where=Where(
                    channels=tuple(playbook.channels),
                    tags=tuple(playbook.tags),
                    signals=tuple(playbook.signals),
                    emotions=tuple(playbook.emotions),
                    min_intensity=float(playbook.min_intensity),
                ),
                variants=variants,
            ),
        )
        added += 1
    return added
