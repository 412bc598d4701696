"""Reads of the accounts app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django_otp import user_has_device

from integra.accounts.models import ApiToken, Membership, User, hash_token
from integra.audit.models import AccessAction
from integra.audit.services import access_log_record
from integra.core.access import Actor, NotFound, get_visible, require, scoped
from integra.core.permissions import Permission
from integra.organizations.models import Organization, Unit


def memberships_current(*, user: User) -> QuerySet[Membership]:
    """The memberships an operator may act as today."""
    today = timezone.localdate()
    return (
        Membership.objects.filter(user=user, is_active=True, valid_from__lte=today)
        .exclude(valid_until__lt=today)
        .select_related("organization", "unit")
        .order_by("organization__name")
    )


def memberships_of(*, user: User) -> QuerySet[Membership]:
    """All memberships of an operator, current or not, for their own profile."""
    return (
        Membership.objects.filter(user=user)
        .select_related("organization", "unit")
        .order_by("organization__name")
    )


def membership_for_session(*, user: User, membership_id: object) -> Membership | None:
    """The membership stored in the session if still valid, else the operator's first one."""
    current = memberships_current(user=user)
    if membership_id is not None:
        try:
            chosen = current.filter(pk=int(str(membership_id))).first()
        except ValueError:
            chosen = None
        if chosen is not None:
            return chosen
    return current.first()


def api_token_authenticate(*, raw_token: str) -> ApiToken | None:
    """The usable token matching ``raw_token``, with its operator and membership."""
    token = (
        ApiToken.objects.select_related("user", "membership__organization")
        .filter(token_hash=hash_token(raw_token), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.is_usable or not token.user.is_active:
        return None
    if not token.membership.is_current():
        return None
    return token


def api_tokens_of(*, actor: Actor) -> QuerySet[ApiToken]:
    """The actor's own tokens, newest first, with the organisation each acts for."""
    return (
        scoped(actor, ApiToken)
        .select_related("membership__organization")
        .order_by("-created_at", "-pk")
    )


def second_factor_enrolled(*, user: User) -> bool:
    """Whether the operator has a confirmed authenticator (TOTP or other django-otp device)."""
    return user_has_device(user, confirmed=True)


def staff_of_organization(*, actor: Actor) -> QuerySet[Membership]:
    return (
        scoped(actor, Membership)
        .select_related("user", "organization", "unit")
        .order_by("user__last_name", "user__first_name")
    )


# --- staff of an organisation (staff pages and /api/v1/staff) -----------------------------------


@dataclass(frozen=True)
class StaffFilters:
    """Filters of the staff list; ``active`` means current today (active flag and validity)."""

    role: str = ""
    active: bool | None = None

    def as_detail(self) -> dict[str, Any]:
        return {"role": self.role, "active": self.active}


def _current_on(day: Any) -> Q:
    return Q(is_active=True, valid_from__lte=day) & (
        Q(valid_until__isnull=True) | Q(valid_until__gte=day)
    )


def _staff_queryset() -> QuerySet[Membership]:
    return Membership.objects.select_related("user", "organization", "unit")


def staff_organization(*, actor: Actor | None, organization_id: object = None) -> Organization:
    """The organisation whose staff the actor works on: their own by default; a system admin
    may choose any other. Anyone else asking for another organisation gets ``NotFound``."""
    require(actor, Permission.STAFF_VIEW)
    assert actor is not None and actor.membership is not None
    own = actor.membership.organization
    if organization_id is None or organization_id == "":
        return own
    try:
        pk = int(str(organization_id))
    except ValueError:
        raise NotFound() from None
    if pk == own.pk:
        return own
    if not actor.has(Permission.SYSTEM_ADMIN):
        raise NotFound()
    return get_visible(actor, Organization, pk=pk)


def staff_organizations(*, actor: Actor | None) -> QuerySet[Organization]:
    """The organisations a system admin may pick on the staff pages (others: their own)."""
    require(actor, Permission.STAFF_VIEW)
    assert actor is not None and actor.membership is not None
    own_id = actor.membership.organization_id
    qs = scoped(actor, Organization).order_by("name", "pk")
    if actor.has(Permission.SYSTEM_ADMIN):
        return qs.filter(Q(is_active=True) | Q(pk=own_id))
    return qs.filter(pk=own_id)


def staff_list(
    *, actor: Actor | None, organization_id: int, filters: StaffFilters
) -> QuerySet[Membership]:
    """Memberships of one organisation, by surname, with operator, organisation and unit."""
    require(actor, Permission.STAFF_VIEW)
    qs = scoped(actor, _staff_queryset()).filter(organization_id=organization_id)
    if filters.role:
        qs = qs.filter(roles__contains=[filters.role])
    if filters.active is not None:
        current = _current_on(timezone.localdate())
        qs = qs.filter(current) if filters.active else qs.exclude(current)
    return qs.order_by("user__last_name", "user__first_name", "user__username", "pk")


def staff_list_access_record(
    *,
    actor: Actor | None,
    organization: Organization,
    filters: StaffFilters,
    via: str,
    shown: int | None = None,
    offset: int | None = None,
) -> None:
    """Record that a page of the staff list was shown (operators' data are personal data)."""
    access_log_record(
        actor=actor,
        subject=("accounts.membership", "", f"Operatori di {organization.name}"),
        action=AccessAction.LIST,
        detail={
            "organization_id": organization.pk,
            "filters": filters.as_detail(),
            "offset": offset,
            "rows": shown,
            "via": via,
        },
    )


def staff_detail(*, actor: Actor | None, membership_id: object) -> Membership:
    """One membership the actor may see (same ``NotFound`` for missing and forbidden)."""
    require(actor, Permission.STAFF_VIEW)
    membership = get_visible(actor, _staff_queryset(), pk=membership_id)
    access_log_record(actor=actor, subject=membership, action=AccessAction.VIEW)
    return membership


def membership_for_edit(*, actor: Actor | None, membership_id: object) -> Membership:
    """A membership to change: ``MEMBERSHIP_MANAGE`` first (403), then visibility (404)."""
    require(actor, Permission.MEMBERSHIP_MANAGE)
    membership = get_visible(actor, _staff_queryset(), pk=membership_id)
    access_log_record(
        actor=actor, subject=membership, action=AccessAction.VIEW, detail={"intent": "edit"}
    )
    return membership


def staff_units(*, actor: Actor | None, organization_id: int) -> QuerySet[Unit]:
    """The units of one organisation, for the unit of a membership."""
    return scoped(actor, Unit).filter(organization_id=organization_id).order_by("name", "pk")
