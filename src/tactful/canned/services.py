"""Canned responses: render them for a ticket, manage the library, spot a template sent verbatim."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from tactful.accounts.models import Agent, Team
from tactful.canned import library_version, rendering
from tactful.canned.models import CannedResponse, CannedVariant, Category, VariantLanguage
from tactful.tickets import permissions
from tactful.tickets.models import Ticket

LANGUAGES: tuple[str, ...] = tuple(VariantLanguage.values)
STARTER_DIR = Path(__file__).resolve().parent / "starter"
MAX_TITLE_CHARS = 120


# --- rendering for a ticket -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RenderedResponse:
    """A canned response filled in for one ticket; ``unfilled`` variables stay as ``{{ name }}``."""

    text: str
    unfilled: tuple[str, ...]
    language: str
    response_id: int
    variant_id: int


def variable_context(*, ticket: Ticket, agent: Agent | None = None) -> rendering.VariableContext:
    """Every value a template may use for ``ticket``, computed up front as plain strings."""
    customer = ticket.customer
    values: dict[str, object] = {
        "customer.first_name": customer.first_name,
        "customer.name": customer.name,
        "ticket.number": ticket.pk,
        "ticket.subject": ticket.subject,
    }
    if agent is not None:
        values["agent.first_name"] = agent.first_name
        values["agent.name"] = agent.get_full_name()
    custom = ticket.custom_fields if isinstance(ticket.custom_fields, dict) else {}
    for key, value in custom.items():
        values[rendering.CUSTOM_PREFIX + str(key)] = value
    return rendering.VariableContext.from_values(values)


def language_preferences(
    *, ticket: Ticket, agent: Agent | None = None, language: str | None = None
) -> list[str]:
    """The languages to answer ``ticket`` in, best first: asked, ticket's, agent's UI, en."""
    candidates = [language, ticket.language, agent.language if agent else None]
    if agent is None:
        candidates.append(translation.get_language())
    candidates.append("en")
    ordered: list[str] = []
    for candidate in candidates:
        code = (candidate or "").split("-")[0].lower()
        if code in LANGUAGES and code not in ordered:
            ordered.append(code)
    return ordered


def pick_variant(variants: Iterable[CannedVariant], preferences: list[str]) -> CannedVariant | None:
    """The variant in the most preferred language, else any (so a template is never lost)."""
    by_language = {variant.language: variant for variant in variants}
    for code in preferences:
        if code in by_language:
            return by_language[code]
    return next(iter(sorted(by_language.values(), key=lambda v: v.language)), None)


def render_variant(
    variant: CannedVariant,
    *,
    ticket: Ticket,
    agent: Agent | None = None,
    context: rendering.VariableContext | None = None,
) -> RenderedResponse:
    """Render one variant for ``ticket`` (pass ``context`` to render many with one build)."""
    result = rendering.render(variant.body, context or variable_context(ticket=ticket, agent=agent))
    return RenderedResponse(
        text=result.text,
        unfilled=result.unfilled,
        language=variant.language,
        response_id=int(variant.response_id),
        variant_id=int(variant.pk),
    )


def render_response(
    response: CannedResponse,
    *,
    ticket: Ticket,
    agent: Agent | None = None,
    language: str | None = None,
) -> RenderedResponse:
    """Fill ``response`` in for ``ticket`` in the best language it has.

    Language: ``language`` if given, else the ticket's, else the agent's interface language,
    else English; a response without any of those is rendered in whatever it has.

    Raises:
        ValidationError: the response has no variant at all.
    """
    variant = pick_variant(
        response.variants.all(),
        language_preferences(ticket=ticket, agent=agent, language=language),
    )
    if variant is None:
        raise ValidationError(_("This canned response has no text yet."))
    return render_variant(variant, ticket=ticket, agent=agent)


# --- who may change what ----------------------------------------------------------------------


def can_use(agent: Agent, response: CannedResponse) -> bool:
    """Agents use the shared library and their teams' responses; admins everything."""
    if not agent.is_active:
        return False
    if agent.is_admin or response.team_id is None:
        return True
    return response.team_id in permissions.team_ids(agent)


def can_edit(agent: Agent, response: CannedResponse) -> bool:
    """Leads edit their own teams' responses; the shared library is the admins'."""
    return can_edit_team(agent, response.team_id)


def can_edit_team(agent: Agent, team_id: int | None) -> bool:
    if not agent.is_active:
        return False
    if agent.is_admin:
        return True
    return agent.is_lead and team_id is not None and team_id in permissions.team_ids(agent)


def editable_teams(agent: Agent) -> list[Team]:
    """The teams whose library ``agent`` may change (admins: all of them)."""
    if agent.is_admin:
        return list(Team.objects.order_by("name"))
    if not agent.is_lead:
        return []
    return list(Team.objects.filter(pk__in=sorted(permissions.team_ids(agent))).order_by("name"))


def _check_can_edit_team(agent: Agent, team_id: int | None) -> None:
    if not can_edit_team(agent, team_id):
        if team_id is None:
            raise PermissionDenied(_("Only admins can change the shared library."))
        raise PermissionDenied(_("Only this team's leads and admins can change its responses."))


# --- changing the library ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VariantText:
    """What an editor typed for one language (an empty body removes that language)."""

    body: str
    title: str = ""


def _clean_variants(variants: Mapping[str, VariantText]) -> dict[str, VariantText]:
    problems: dict[str, list[str]] = {}
    clean: dict[str, VariantText] = {}
    for code, text in variants.items():
        if code not in LANGUAGES:
            raise ValidationError(_("Unknown language: %(code)s") % {"code": str(code)[:10]})
        body = text.body.replace("\r\n", "\n").strip()
        title = " ".join(text.title.split())
        if len(title) > MAX_TITLE_CHARS:
            problems.setdefault(code, []).append(
                _("The title is longer than %(limit)d characters.") % {"limit": MAX_TITLE_CHARS}
            )
        if not body:
            continue
        found = rendering.template_problems(body)
        if found:
            problems.setdefault(code, []).extend(found)
        clean[code] = VariantText(body=body, title=title)
    if problems:
        raise ValidationError({f"body_{code}": messages for code, messages in problems.items()})
    if not clean:
        raise ValidationError(_("Write the text in at least one language."))
    return clean


def _check_response_fields(*, title: str, category: str) -> str:
    title = " ".join(str(title).split())
    if not title:
        raise ValidationError({"title": _("Give the response a title.")})
    if len(title) > MAX_TITLE_CHARS:
        raise ValidationError(
            {
                "title": _("The title is longer than %(limit)d characters.")
                % {"limit": MAX_TITLE_CHARS}
            }
        )
    if category not in Category.values:
        raise ValidationError({"category": _("Unknown category: %(value)s") % {"value": category}})
    return title


def _write_variants(response: CannedResponse, variants: dict[str, VariantText]) -> None:
    existing = {variant.language: variant for variant in response.variants.all()}
    for code, variant in existing.items():
        if code not in variants:
            variant.delete()
    for code, text in variants.items():
        current = existing.get(code)
        if current is None:
            CannedVariant.objects.create(
                response=response, language=code, body=text.body, title=text.title
            )
        elif (current.body, current.title) != (text.body, text.title):
            current.body, current.title = text.body, text.title
            current.save(update_fields=["body", "title", "updated_at"])


@transaction.atomic
def create_response(
    *,
    by: Agent,
    team: Team | None,
    title: str,
    category: str,
    variants: Mapping[str, VariantText],
    active: bool = True,
) -> CannedResponse:
    """A new response for ``team`` (None: the shared library), with its language variants."""
    _check_can_edit_team(by, team.pk if team else None)
    title = _check_response_fields(title=title, category=category)
    clean = _clean_variants(variants)
    response = CannedResponse.objects.create(
        team=team, title=title, category=category, active=bool(active), created_by=by
    )
    _write_variants(response, clean)
    return response


@transaction.atomic
def update_response(
    *,
    response: CannedResponse,
    by: Agent,
    team: Team | None,
    title: str,
    category: str,
    variants: Mapping[str, VariantText],
    active: bool = True,
) -> CannedResponse:
    """Change a response's team, fields and texts; a language left empty is removed."""
    _check_can_edit_team(by, response.team_id)
    _check_can_edit_team(by, team.pk if team else None)
    response.team = team
    response.title = _check_response_fields(title=title, category=category)
    response.category = category
    response.active = bool(active)
    clean = _clean_variants(variants)
    response.save()
    _write_variants(response, clean)
    return response


@transaction.atomic
def delete_response(*, response: CannedResponse, by: Agent) -> None:
    _check_can_edit_team(by, response.team_id)
    response.delete()


@transaction.atomic
def copy_to_team(*, response: CannedResponse, team: Team, by: Agent) -> CannedResponse:
    """A lead's own editable copy of a (shared) response for one of their teams."""
    if not can_use(by, response):
        raise PermissionDenied(_("You cannot see this canned response."))
    _check_can_edit_team(by, team.pk)
    copy = CannedResponse.objects.create(
        team=team,
        title=response.title,
        category=response.category,
        active=True,
        created_by=by,
    )
    CannedVariant.objects.bulk_create(
        [
            CannedVariant(response=copy, language=v.language, title=v.title, body=v.body)
            for v in response.variants.all()
        ]
    )
    library_version.library_changed_after_commit()
    return copy


# --- the starter library ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StarterReport:
    created_responses: int
    created_variants: int
    updated_variants: int


def read_starter(directory: Path = STARTER_DIR) -> dict[str, dict[str, Any]]:
    """The starter library as ``{key: {"category", "title", "variants": {lang: {...}}}}``.

    Raises:
        ValueError: a file is malformed or a text breaks the template rules.
    """
    library: dict[str, dict[str, Any]] = {}
    for code in LANGUAGES:
        path = directory / f"{code}.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("language") != code:
            raise ValueError(f"{path}: language must be {code!r}")
        for item in data["responses"]:
            key, category = str(item["key"]), str(item["category"])
            body, title = str(item["body"]), str(item["title"])
            if category not in Category.values:
                raise ValueError(f"{path}: {key}: unknown category {category!r}")
            problems = rendering.template_problems(body)
            if problems:
                raise ValueError(f"{path}: {key}: {' '.join(problems)}")
            entry = library.setdefault(key, {"category": category, "title": "", "variants": {}})
            if entry["category"] != category:
                raise ValueError(f"{path}: {key}: category differs between languages")
            if code == "en" or not entry["title"]:
                entry["title"] = title[:MAX_TITLE_CHARS]
            entry["variants"][code] = {"title": title[:MAX_TITLE_CHARS], "body": body}
    return library


def load_starter(
    *,
    response_model: Any = CannedResponse,
    variant_model: Any = CannedVariant,
    overwrite: bool = False,
    directory: Path = STARTER_DIR,
) -> StarterReport:
    """Add the shipped starter library to the shared library; running it again changes nothing.

    Responses are matched by their starter key. Missing responses and languages are added;
    texts someone edited are kept unless ``overwrite`` (then they return to the shipped text).
    The model arguments let the data migration pass its historical models.
    """
    library = read_starter(directory)
    created_responses = created_variants = updated_variants = 0
    with transaction.atomic():
        existing = {
            r.starter_key: r
            for r in response_model.objects.filter(team__isnull=True).exclude(starter_key="")
        }
        variants = {
            (v.response_id, v.language): v
            for v in variant_model.objects.filter(response__in=list(existing.values()))
        }
        for key, entry in library.items():
            response = existing.get(key)
            if response is None:
                response = response_model.objects.create(
                    team=None,
                    title=entry["title"],
                    category=entry["category"],
                    starter_key=key,
                    active=True,
                )
                created_responses += 1
            elif overwrite and (response.title, response.category) != (
                entry["title"],
                entry["category"],
            ):
                response.title, response.category = entry["title"], entry["category"]
                response.save(update_fields=["title", "category", "updated_at"])
            for code, text in entry["variants"].items():
                variant = variants.get((response.pk, code))
                if variant is None:
                    variant_model.objects.create(
                        response=response, language=code, title=text["title"], body=text["body"]
                    )
                    created_variants += 1
                elif overwrite and (variant.body, variant.title) != (text["body"], text["title"]):
                    variant.body, variant.title = text["body"], text["title"]
                    variant.save(update_fields=["body", "title", "updated_at"])
                    updated_variants += 1
        library_version.library_changed_after_commit()
    return StarterReport(created_responses, created_variants, updated_variants)
