"""Actions on agents and teams."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from tactful.accounts import security
from tactful.accounts.models import Agent, AssignmentMode, AuditKind, Role, Team, UiLanguage


def create_team(
    *,
    name: str,
    description: str = "",
    auto_assign: bool = True,
    email_address: str = "",
    assignment_mode: str = AssignmentMode.ROUND_ROBIN,
) -> Team:
    """Create a team; names are unique and give the public slug (contact form, chat widget)."""
    name = name.strip()
    if not name:
        raise ValidationError(_("A team needs a name."))
    if assignment_mode not in AssignmentMode.values:
        raise ValidationError(_("Unknown assignment mode."))
    base = slugify(name)[:50] or "team"
    slug, n = base, 1
    while Team.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return Team.objects.create(
        name=name,
        description=description,
        auto_assign=auto_assign,
        slug=slug,
        email_address=email_address,
        assignment_mode=assignment_mode,
    )


@transaction.atomic
def create_agent(
    *,
    username: str,
    password: str | None,
    role: str = Role.AGENT,
    teams: Iterable[Team] = (),
    language: str = UiLanguage.EN,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
) -> Agent:
    """Create an agent with a role, teams and interface language (password None: unusable)."""
    if role not in Role.values:
        raise ValidationError(_("Unknown role: %(role)s") % {"role": role})
    if language not in UiLanguage.values:
        raise ValidationError(_("Unknown language: %(language)s") % {"language": language})
    agent = Agent(
        username=username,
        role=role,
        language=language,
        email=email,
        first_name=first_name,
        last_name=last_name,
    )
    if password is None:
        agent.set_unusable_password()
    else:
        agent.set_password(password)
    agent.full_clean(exclude=["password"])
    agent.save()
    agent.teams.set(list(teams))
    return agent


def set_role(*, agent: Agent, role: str, by: Agent) -> Agent:
    """Change an agent's role; only admins may."""
    if not by.is_admin:
        raise PermissionDenied(_("Only admins can change roles."))
    if role not in Role.values:
        raise ValidationError(_("Unknown role: %(role)s") % {"role": role})
    previous = agent.role
    agent.role = role
    agent.save(update_fields=["role", "is_staff"])
    if previous != role:
        record_role_change(agent=agent, previous=previous, by=by)
    return agent


def record_role_change(*, agent: Agent, previous: str, by: Agent | None) -> None:
    """Audit a role change (set_role, or the Django admin's agent form)."""
    security.record(
        AuditKind.ROLE_CHANGED, actor=by, agent=agent, previous=previous, role=agent.role
    )


def set_language(*, agent: Agent, language: str) -> Agent:
    """Change the agent's interface language (en, es, ru)."""
    if language not in UiLanguage.values:
        raise ValidationError(_("Unknown language: %(language)s") % {"language": language})
    agent.language = language
    agent.save(update_fields=["language"])
    return agent


def set_availability(*, agent: Agent, available: bool) -> Agent:
    """Mark the agent as taking (or not taking) round-robin tickets."""
    agent.available = available
    agent.save(update_fields=["available"])
    return agent


#: The customer languages an agent can declare (the coach's three).
CUSTOMER_LANGUAGES = ("en", "es", "ru")


def set_answered_languages(*, agent: Agent, languages: Iterable[str]) -> Agent:
    """The customer languages the agent answers (none: any); assignment follows them."""
    chosen = sorted(set(languages))
    unknown = [code for code in chosen if code not in CUSTOMER_LANGUAGES]
    if unknown:
        raise ValidationError(_("Unknown language: %(language)s") % {"language": unknown[0][:10]})
    agent.answers_languages = chosen
    agent.save(update_fields=["answers_languages"])
    return agent


def set_senior(*, agent: Agent, senior: bool, by: Agent) -> Agent:
    """Leads (for members of their teams) and admins mark who takes hostile conversations
    with the leads."""
    if not by.is_lead:
        raise PermissionDenied(_("Only team leads and admins can do this."))
    # Two filter() calls on purpose: both agents in the same team, through two joins.
    shared = Team.objects.filter(members=by).filter(members=agent)
    if not by.is_admin and not shared.exists():
        raise PermissionDenied(_("%(agent)s is not in your teams.") % {"agent": agent})
    agent.senior = senior
    agent.save(update_fields=["senior"])
    return agent
