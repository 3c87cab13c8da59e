"""Merging two customers into one, undoing it, joining customers who share an address, and
blocking or suspending an abusive customer."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from tactful.accounts import security
from tactful.accounts.models import Agent, AuditKind
from tactful.customers import selectors as customer_selectors
from tactful.customers.models import (
    BlockKind,
    Channel,
    Customer,
    CustomerBlock,
    CustomerIdentity,
    CustomerMerge,
)
from tactful.profiles.events import CustomerBlockChanged, CustomerMerged, CustomerMergeUndone
from tactful.tickets import events, permissions, search, timeline
from tactful.tickets.models import ACTIVE_STATUSES, Message, Ticket

#: Details the kept customer takes over from the merged one when it has none.
_FILLED = ("name", "email", "preferred_language")
_EMPTY = {"name": "", "email": "", "preferred_language": "und"}


def can_see_customer(agent: Agent, customer: Customer) -> bool:
    """Admins see every customer; others those with a ticket they can see."""
    if not agent.is_active:
        return False
    if agent.is_admin:
        return True
    return permissions.visible_tickets(agent, Ticket.objects.filter(customer=customer)).exists()


def check_can_merge(by: Agent | None, customer: Customer) -> None:
    """Leads and admins merge; a lead only customers whose every ticket is in their sight."""
    if by is None or by.is_admin:
        return
    permissions.check_is_lead(by)
    tickets = Ticket.objects.filter(customer=customer)
    if tickets.count() != permissions.visible_tickets(by, tickets).count():
        raise PermissionDenied(
            _("Customer #%(n)s has tickets of another team.") % {"n": customer.pk}
        )


def _locked(*pks: int) -> dict[int, Customer]:
    # In id order, so two merges of the same pair (either way round) never deadlock.
    rows = Customer.objects.select_for_update().filter(pk__in=sorted(pks)).order_by("pk")
    return {customer.pk: customer for customer in rows}


def merge_customers(*, kept: Customer, merged: Customer, by: Agent | None) -> CustomerMerge:
    """Move ``merged``'s identities, tickets and messages to ``kept``; the merge remembers them.

    Every moved ticket gets a ``CustomerMerged`` event on its timeline. ``merged`` stays (for
    the undo) with ``merged_into`` set, so matching never finds it again.

    Raises:
        ValidationError: the same customer twice, or either one already merged away.
        PermissionDenied: ``by`` is not a lead or admin, or cannot see every ticket of both.
    """
    if kept.pk == merged.pk:
        raise ValidationError(_("A customer cannot be merged into themselves."))
    check_can_merge(by, kept)
    check_can_merge(by, merged)
    with events.atomic():
        rows = _locked(kept.pk, merged.pk)
        if len(rows) != 2:
            raise ValidationError(_("That customer does not exist."))
        kept, merged = rows[kept.pk], rows[merged.pk]
        for customer in (kept, merged):
            if customer.merged_into_id is not None:
                raise ValidationError(
                    _("Customer #%(n)s was already merged into customer #%(into)s.")
                    % {"n": customer.pk, "into": customer.merged_into_id}
                )
        identity_ids = sorted(merged.identities.values_list("pk", flat=True))
        ticket_ids = sorted(Ticket.objects.filter(customer=merged).values_list("pk", flat=True))
        message_ids = sorted(
            Message.objects.filter(author_customer=merged).values_list("pk", flat=True)
        )
        # A block goes where the person's identities go: merging must not unblock anyone.
        block_ids = sorted(
            CustomerBlock.objects.filter(customer=merged).values_list("pk", flat=True)
        )
        filled = {}
        for name in _FILLED:
            if getattr(kept, name) == _EMPTY[name] and getattr(merged, name) != _EMPTY[name]:
                filled[name] = getattr(kept, name)
                setattr(kept, name, getattr(merged, name))
        if filled:
            kept.save(update_fields=list(filled))
        merge = CustomerMerge.objects.create(
            kept=kept,
            merged=merged,
            by=by,
            moved={
                "identities": identity_ids,
                "tickets": ticket_ids,
                "messages": message_ids,
                "blocks": block_ids,
                "filled": filled,
            },
        )
        CustomerIdentity.objects.filter(pk__in=identity_ids).update(customer=kept)
        Ticket.objects.filter(pk__in=ticket_ids).update(customer=kept)
        Message.objects.filter(pk__in=message_ids).update(author_customer=kept)
        CustomerBlock.objects.filter(pk__in=block_ids).update(customer=kept)
        Customer.objects.filter(pk=merged.pk).update(merged_into=kept)
        merged.merged_into = kept
        for ticket in Ticket.objects.filter(pk__in=ticket_ids).order_by("pk"):
            timeline.record(
                CustomerMerged(
                    ticket=ticket,
                    by=by,
                    merge_id=merge.pk,
                    from_customer=merged.pk,
                    to_customer=kept.pk,
                )
            )
        # The index finds tickets by their customer's handles: the kept customer has more now.
        _reindex(Ticket.objects.filter(customer=kept).values_list("pk", flat=True))
    return merge


def undo_merge(*, merge: CustomerMerge, by: Agent | None) -> CustomerMerge:
    """Put back exactly what ``merge`` moved (what has moved on since stays where it is).

    Raises:
        ValidationError: already undone, or the kept customer was merged away since (undo
            that merge first).
        PermissionDenied: as for a merge.
    """
    check_can_merge(by, merge.kept)
    with events.atomic():
        merge = CustomerMerge.objects.select_for_update().get(pk=merge.pk)
        if merge.undone_at is not None:
            raise ValidationError(_("This merge was already undone."))
        rows = _locked(merge.kept_id, merge.merged_id)
        kept, merged = rows[merge.kept_id], rows[merge.merged_id]
        if kept.merged_into_id is not None:
            raise ValidationError(
                _("Customer #%(n)s was merged again since; undo that merge first.") % {"n": kept.pk}
            )
        moved = merge.moved
        CustomerIdentity.objects.filter(pk__in=moved.get("identities", []), customer=kept).update(
            customer=merged
        )
        ticket_ids = list(
            Ticket.objects.filter(pk__in=moved.get("tickets", []), customer=kept).values_list(
                "pk", flat=True
            )
        )
        Ticket.objects.filter(pk__in=ticket_ids).update(customer=merged)
        Message.objects.filter(pk__in=moved.get("messages", []), author_customer=kept).update(
            author_customer=merged
        )
        CustomerBlock.objects.filter(pk__in=moved.get("blocks", []), customer=kept).update(
            customer=merged
        )
        filled = moved.get("filled", {})
        for name, value in filled.items():
            if name in _FILLED:
                setattr(kept, name, value)
        if filled:
            kept.save(update_fields=[name for name in filled if name in _FILLED])
        Customer.objects.filter(pk=merged.pk).update(merged_into=None)
        merge.undone_at = timezone.now()
        merge.undone_by = by
        merge.save(update_fields=["undone_at", "undone_by"])
        for ticket in Ticket.objects.filter(pk__in=ticket_ids).order_by("pk"):
            timeline.record(
                CustomerMergeUndone(
                    ticket=ticket,
                    by=by,
                    merge_id=merge.pk,
                    from_customer=merged.pk,
                    to_customer=kept.pk,
                )
            )
        _reindex(
            Ticket.objects.filter(customer__in=[kept.pk, merged.pk]).values_list("pk", flat=True)
        )
    return merge


def _reindex(ticket_ids: Iterable[int]) -> None:
    ids = list(ticket_ids)
    for offset in range(0, len(ids), 2000):
        search.reindex_tickets(ids[offset : offset + 2000])


@dataclass(frozen=True)
class Join:
    """Customers who share a verified address, and the one the others join."""

    address: str
    kept: int
    merged: tuple[int, ...]


def same_address_joins() -> list[Join]:
    """Customers (not merged) who share an address that one of them wrote from by e-mail.

    Verified: an e-mail identity with that address (they wrote from it). Customers who only
    typed it into a form join that one; addresses nobody wrote from are left alone.
    """
    verified = CustomerIdentity.objects.filter(
        channel=Channel.EMAIL, customer=OuterRef("pk"), handle=Lower(OuterRef("email"))
    )
    shared = (
        Customer.objects.filter(merged_into__isnull=True)
        .exclude(email="")
        .annotate(address=Lower("email"))
        .values("address")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("address", flat=True)
    )
    rows = (
        Customer.objects.filter(merged_into__isnull=True)
        .annotate(address=Lower("email"), verified=Exists(verified))
        .filter(address__in=shared)
        .order_by("address", "id")
        .values_list("address", "pk", "verified")
    )
    groups: dict[str, list[tuple[int, bool]]] = {}
    for address, pk, is_verified in rows:
        groups.setdefault(address, []).append((pk, is_verified))
    joins = []
    for address, members in groups.items():
        keepers = [pk for pk, is_verified in members if is_verified]
        if not keepers:
            continue
        kept = keepers[0]
        joins.append(Join(address, kept, tuple(pk for pk, _v in members if pk != kept)))
    return joins


def join_same_address(*, dry_run: bool) -> list[Join]:
    """Merge each group of :func:`same_address_joins` (by the desk itself: undoable)."""
    joins = same_address_joins()
    if dry_run:
        return joins
    for join in joins:
        kept = Customer.objects.get(pk=join.kept)
        for pk in join.merged:
            merge_customers(kept=kept, merged=Customer.objects.get(pk=pk), by=None)
            kept.refresh_from_db()
    return joins


# --- blocking a customer (the teammate protection promise) ------------------------------------

#: How long a suspension may be chosen for (a longer one is a block, lifted by hand).
SUSPEND_MIN = timedelta(hours=1)
SUSPEND_MAX = timedelta(days=365)
REASON_MAX = 1000


def _check_block(kind: str, reason: str, duration: timedelta | None) -> str:
    if kind not in BlockKind.values:
        raise ValidationError(_("Choose to block or to suspend."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why: the reason is kept with the block."))
    if len(reason) > REASON_MAX:
        raise ValidationError(_("The reason is longer than %(n)d characters.") % {"n": REASON_MAX})
    if "\x00" in reason:
        raise ValidationError(_("Text may not contain NUL characters."))
    if kind == BlockKind.SUSPEND:
        if duration is None or not SUSPEND_MIN <= duration <= SUSPEND_MAX:
            raise ValidationError(_("A suspension lasts from one hour to one year."))
    elif duration is not None:
        raise ValidationError(_("A block lasts until a lead lifts it: suspend for a set time."))
    return reason


def _tell_the_open_tickets(
    customer_id: int, change: Callable[[Ticket], CustomerBlockChanged]
) -> None:
    # The customer's active tickets say it on their timeline (a handful: one insert each).
    for ticket in Ticket.objects.filter(
        customer_id=customer_id, status__in=ACTIVE_STATUSES
    ).order_by("pk")[:200]:
        timeline.record(change(ticket))


def block_customer(
    *,
    customer: Customer,
    kind: str,
    reason: str,
    by: Agent | None,
    duration: timedelta | None = None,
    address: str = "",
) -> CustomerBlock:
    """Block (until lifted) or suspend (for ``duration``) ``customer``'s messages.

    From now on what they write on any channel is stored but held out of every queue, and
    nothing automatic (auto-replies, acknowledgements, surveys) goes to them. A block already
    in force is lifted by this one (a suspension made a block, or a block shortened). Written
    to the audit log, and on the timeline of the customer's active tickets.

    Raises:
        ValidationError: an unknown kind, no reason, a duration that does not fit the kind,
            or a customer merged into another (block that one).
        PermissionDenied: ``by`` is not a lead or admin.
    """
    if by is not None:
        permissions.check_is_lead(by)
    reason = _check_block(kind, reason, duration)
    now = timezone.now()
    with events.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        if customer.merged_into_id is not None:
            raise ValidationError(
                _("Customer #%(n)s was merged into customer #%(into)s: block that one.")
                % {"n": customer.pk, "into": customer.merged_into_id}
            )
        replaced = customer_selectors.active_block(customer.pk, now=now)
        if replaced is not None:
            replaced.lifted_at, replaced.lifted_by = now, by
            replaced.save(update_fields=["lifted_at", "lifted_by"])
        block = CustomerBlock.objects.create(
            customer=customer,
            kind=kind,
            reason=reason,
            by=by,
            expires_at=now + duration if duration is not None else None,
        )
        until = block.expires_at.isoformat() if block.expires_at else ""
        security.record(
            AuditKind.CUSTOMER_BLOCKED,
            actor=by,
            address=address,
            customer=customer.pk,
            block=block.pk,
            block_kind=kind,
            until=until,
            replaced=replaced.pk if replaced is not None else None,
            reason=reason[:200],
        )
        _tell_the_open_tickets(
            customer.pk,
            lambda ticket: CustomerBlockChanged(
                ticket=ticket, by=by, block_id=block.pk, block_kind=kind, until=until
            ),
        )
    return block


def lift_block(*, block: CustomerBlock, by: Agent | None, address: str = "") -> CustomerBlock:
    """End ``block`` now: the customer's next message reaches the team as any other.

    What was held while it lasted stays held (leads find it under "Blocked customers"); a held
    conversation the customer continues joins the queue then.

    Raises:
        ValidationError: already lifted, or a suspension that already ran out.
        PermissionDenied: ``by`` is not a lead or admin.
    """
    if by is not None:
        permissions.check_is_lead(by)
    now = timezone.now()
    with events.atomic():
        block = CustomerBlock.objects.select_for_update().get(pk=block.pk)
        if block.lifted_at is not None:
            raise ValidationError(_("This block was already lifted."))
        if block.expires_at is not None and block.expires_at <= now:
            raise ValidationError(_("This suspension has already ended."))
        block.lifted_at, block.lifted_by = now, by
        block.save(update_fields=["lifted_at", "lifted_by"])
        security.record(
            AuditKind.CUSTOMER_UNBLOCKED,
            actor=by,
            address=address,
            customer=block.customer_id,
            block=block.pk,
            block_kind=block.kind,
        )
        _tell_the_open_tickets(
            block.customer_id,
            lambda ticket: CustomerBlockChanged(
                ticket=ticket, by=by, block_id=block.pk, block_kind=block.kind, lifted=True
            ),
        )
    return block
