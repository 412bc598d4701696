"""Reads of the accounts app."""

from __future__ import annotations

import copy
import functools
import threading
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connection, models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_otp import user_has_device

from integra.accounts.models import ApiToken, Membership, User, hash_token
from integra.audit.models import AccessAction
from integra.audit.services import access_log_record
from integra.core.access import Actor, NotFound, get_visible, require, scoped
from integra.core.permissions import Permission
from integra.core.prepared import prepared_rows
from integra.organizations.models import Organization, Unit

M = TypeVar("M", bound=models.Model)


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
    """The usable token matching ``raw_token``, with its operator and membership.

    One statement per call (prepared once per connection) checks that the token is usable now — not revoked, not expired, the
    operator active, the membership current — so a revocation or a deactivation takes effect on
    the very next request. The operator, the membership and its organisation are then built
    from values kept in this process, keyed by their ids and by each row's version — the
    transaction that wrote it and where (``xmin``, ``ctid``), a pair that every UPDATE changes,
    even one made in the same transaction — so a role change, a renamed organisation or any
    other edit is read afresh. Each call gets its own instances.
    """
    now = timezone.now()
    today = timezone.localdate()
    found = prepared_rows(_usable_token_sql(), [hash_token(raw_token), now, today, today])
    if not found:
        return None
    row = found[0]
    token_id, prefix, last_used_at, user_id, membership_id, organization_id, version = row
    user, membership = _operator_of(user_id, membership_id, organization_id, version)
    # The other columns are deferred: read from the database if anything asks for them.
    token = ApiToken.from_db(
        connection.alias,
        ["id", "user_id", "membership_id", "prefix", "last_used_at"],
        [token_id, user_id, membership_id, prefix, last_used_at],
    )
    token.user = user
    token.membership = membership
    return token


@functools.cache
def _usable_token_sql() -> str:
    token, user = ApiToken._meta.db_table, User._meta.db_table
    membership, organization = Membership._meta.db_table, Organization._meta.db_table
    return f"""
        SELECT t.id, t.prefix, t.last_used_at, t.user_id, t.membership_id, m.organization_id,
               concat_ws('/', u.xmin, u.ctid, m.xmin, m.ctid, o.xmin, o.ctid)
        FROM {token} t
        JOIN {user} u ON u.id = t.user_id
        JOIN {membership} m ON m.id = t.membership_id AND m.user_id = t.user_id
        JOIN {organization} o ON o.id = m.organization_id
        WHERE t.token_hash = %s AND t.revoked_at IS NULL
          AND (t.expires_at IS NULL OR t.expires_at > %s)
          AND u.is_active AND m.is_active AND m.valid_from <= %s
          AND (m.valid_until IS NULL OR m.valid_until >= %s)
    """  # noqa: S608 - table names from the models, values as parameters


# (user id, membership id, organisation id, versions) -> (user, membership with organisation),
# copied for each request; bounded, emptied when full (a few hundred operators per process).
_OPERATORS: dict[tuple[int, int, int, str], tuple[User, Membership]] = {}
_OPERATORS_MAX = 1024
_OPERATORS_LOCK = threading.Lock()


def _operator_of(
    user_id: int, membership_id: int, organization_id: int, version: str
) -> tuple[User, Membership]:
    key = (user_id, membership_id, organization_id, version)
    with _OPERATORS_LOCK:
        cached = _OPERATORS.get(key)
    if cached is None:
        user = User.objects.get(pk=user_id)
        membership = Membership.objects.select_related("organization").get(pk=membership_id)
        cached = (user, membership)
        with _OPERATORS_LOCK:
            if len(_OPERATORS) >= _OPERATORS_MAX:
                _OPERATORS.clear()
            _OPERATORS[key] = cached
    return _fresh_copy(cached[0]), _fresh_copy(cached[1])


def _fresh_copy(instance: M) -> M:
    """A copy that shares no mutable state with ``instance`` (Django copies ``_state`` and its
    cache of related objects when a model instance is copied; lists are copied here)."""
    duplicate = copy.copy(instance)
    for name, value in vars(instance).items():
        if isinstance(value, list):
            setattr(duplicate, name, list(value))
    cache = duplicate._state.fields_cache
    for name, related in list(cache.items()):
        if related is not None:
            cache[name] = _fresh_copy(related)
    return duplicate


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
