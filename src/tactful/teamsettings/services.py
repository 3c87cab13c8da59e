"""What leads and admins change on the settings pages, and who may change what.

Leads manage their own teams (and the agents in them); admins manage everything. Every
function checks that itself, so the views stay thin and a crafted POST gets nothing the
page would not offer.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from tactful.accounts.models import Agent, AssignmentMode, Role, Team
from tactful.api import services as api_services
from tactful.api.models import ApiToken
from tactful.livechat import services as livechat_services
from tactful.teamsettings.events import CustomFieldsChanged
from tactful.teamsettings.models import CustomField
from tactful.tickets import events, permissions, timeline
from tactful.tickets.models import Ticket
from tactful.webhooks import services as webhook_services
from tactful.webhooks.models import EventWebhook

#: A custom field's value on a ticket: one line of text.
MAX_VALUE_LENGTH = 200


def check_can_manage(agent: Agent) -> None:
    if not agent.is_lead:
        raise PermissionDenied(_("Only team leads and admins can do this."))


def managed_teams(agent: Agent) -> QuerySet[Team]:
    """The teams ``agent`` manages: every team for admins, their own for leads."""
    check_can_manage(agent)
    teams = Team.objects.select_related("chat_settings").order_by("name")
    return teams if agent.is_admin else teams.filter(pk__in=permissions.team_ids(agent))


def managed_agents(agent: Agent) -> QuerySet[Agent]:
    """Active agents in the teams ``agent`` manages (admins: everyone active)."""
    check_can_manage(agent)
    agents = Agent.objects.filter(is_active=True).order_by("first_name", "last_name", "username")
    if agent.is_admin:
        return agents
    return agents.filter(Q(pk=agent.pk) | Q(teams__in=list(permissions.team_ids(agent)))).distinct()


def _check_team(by: Agent, team: Team) -> None:
    if not by.is_admin and team.pk not in permissions.team_ids(by):
        raise PermissionDenied(_("%(team)s is not one of your teams.") % {"team": team})


def set_team_assignment(*, team: Team, auto_assign: bool, mode: str, by: Agent) -> Team:
    """How new tickets of ``team`` find an agent: on or off, round-robin or load-aware."""
    check_can_manage(by)
    _check_team(by, team)
    if mode not in AssignmentMode.values:
        raise ValidationError(_("Unknown assignment mode."))
    team.auto_assign = auto_assign
    team.assignment_mode = mode
    team.save(update_fields=["auto_assign", "assignment_mode"])
    return team


def set_spanish_address(*, team: Team, address: str, by: Agent) -> None:
    """*usted* or *tú* in the team's chat widget."""
    check_can_manage(by)
    _check_team(by, team)
    livechat_services.set_spanish_address(team=team, address=address)


# --- API tokens ---------------------------------------------------------------------------


def token_holders(agent: Agent) -> QuerySet[Agent]:
    """Whom ``agent`` may issue tokens for: a token acts with its agent's rights, so a lead
    may not mint one for an admin (that would hand the lead the admin's rights)."""
    holders = managed_agents(agent)
    return (
        holders if agent.is_admin else holders.exclude(role=Role.ADMIN).exclude(is_superuser=True)
    )


def visible_tokens(agent: Agent) -> QuerySet[ApiToken]:
    return (
        ApiToken.objects.filter(agent__in=token_holders(agent))
        .select_related("agent")
        .order_by("revoked", "-created_at")
    )


def issue_token(*, agent: Agent, name: str, by: Agent) -> tuple[ApiToken, str]:
    """Issue through the API app's own service (which keeps its audit trail)."""
    if not token_holders(by).filter(pk=agent.pk).exists():
        raise PermissionDenied(_("You cannot issue tokens for %(agent)s.") % {"agent": agent})
    return api_services.issue_token(agent=agent, name=name)


def revoke_token(*, token: ApiToken, by: Agent) -> None:
    if not visible_tokens(by).filter(pk=token.pk).exists():
        raise PermissionDenied(_("You cannot revoke this token."))
    api_services.revoke_token(token=token)


# --- custom ticket fields -----------------------------------------------------------------


def visible_fields(agent: Agent) -> QuerySet[CustomField]:
    """Fields ``agent`` may define or delete: desk-wide ones are the admins'."""
    fields = CustomField.objects.select_related("team").order_by("label", "pk")
    if agent.is_admin:
        return fields
    check_can_manage(agent)
    return fields.filter(team__in=list(permissions.team_ids(agent)))


def create_field(*, name: str, label: str, team: Team | None, by: Agent) -> CustomField:
    check_can_manage(by)
    if team is None:
        if not by.is_admin:
            raise PermissionDenied(_("Only admins can add fields for every team."))
    else:
        _check_team(by, team)
    field = CustomField(name=name.strip(), label=label.strip(), team=team)
    field.full_clean()
    field.save()
    return field


def delete_field(*, field: CustomField, by: Agent) -> None:
    """Forget the definition; values already on tickets stay (canned responses may use them)."""
    if not visible_fields(by).filter(pk=field.pk).exists():
        raise PermissionDenied(_("You cannot delete this field."))
    field.delete()


def fields_for(ticket: Ticket) -> list[CustomField]:
    """The fields the ticket page offers: desk-wide ones and those of the ticket's team."""
    query = Q(team__isnull=True)
    if ticket.team_id is not None:
        query |= Q(team_id=ticket.team_id)
    return list(CustomField.objects.filter(query).order_by("label", "pk"))


def set_field_values(*, ticket: Ticket, values: dict[str, str], by: Agent) -> dict[str, str]:
    """Set the ticket's custom fields offered to it; an empty value clears the field.

    Returns what changed (name → new value), which is also what the timeline records.
    """
    permissions.check_can_view(by, ticket)
    offered = {f.name for f in fields_for(ticket)}
    unknown = sorted(set(values) - offered)
    if unknown:
        raise ValidationError(_("No such field: %(name)s") % {"name": unknown[0][:40]})
    with events.atomic():
        locked = (
            Ticket.objects.select_for_update(no_key=True)
            .only("pk", "custom_fields")
            .get(pk=ticket.pk)
        )
        current = dict(locked.custom_fields) if isinstance(locked.custom_fields, dict) else {}
        changes: dict[str, str] = {}
        for name, raw in values.items():
            value = " ".join(str(raw).split())
            if len(value) > MAX_VALUE_LENGTH:
                raise ValidationError(
                    _("A field holds at most %(n)d characters.") % {"n": MAX_VALUE_LENGTH}
                )
            if str(current.get(name, "")) == value:
                continue
            if value:
                current[name] = value
            else:
                current.pop(name, None)
            changes[name] = value
        if changes:
            Ticket.objects.filter(pk=ticket.pk).update(custom_fields=current)
            ticket.custom_fields = current
            timeline.record(CustomFieldsChanged(ticket=ticket, by=by, changes=changes))
    return changes


# --- event webhooks -----------------------------------------------------------------------


def visible_webhooks(agent: Agent) -> QuerySet[EventWebhook]:
    """Webhooks ``agent`` manages: the whole desk's are the admins'."""
    hooks = EventWebhook.objects.select_related("team").order_by("name", "pk")
    if agent.is_admin:
        return hooks
    check_can_manage(agent)
    return hooks.filter(team__in=list(permissions.team_ids(agent)))


def create_webhook(
    *, name: str, url: str, events: list[str], team: Team | None, by: Agent
) -> tuple[EventWebhook, str]:
    check_can_manage(by)
    if team is None:
        if not by.is_admin:
            raise PermissionDenied(_("Only admins can add webhooks for the whole desk."))
    else:
        _check_team(by, team)
    return webhook_services.create_webhook(name=name, url=url, events=events, team=team)


def set_webhook_active(*, webhook: EventWebhook, active: bool, by: Agent) -> EventWebhook:
    if not visible_webhooks(by).filter(pk=webhook.pk).exists():
        raise PermissionDenied(_("You cannot change this webhook."))
    return webhook_services.set_active(webhook=webhook, active=active)
