"""Reads of the accounts app."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone
from django_otp import user_has_device

from integra.accounts.models import ApiToken, Membership, User, hash_token
from integra.core.access import Actor, scoped


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
