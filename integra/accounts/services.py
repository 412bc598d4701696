"""Writes of the accounts app: acting membership, second factor, API tokens."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime

import pghistory
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import devices_for_user, user_has_device
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from integra.accounts.errors import AccountError, AccountErrorCode
from integra.accounts.models import ApiToken, Membership, User, hash_token
from integra.accounts.selectors import memberships_current
from integra.core.access import Actor, NotFound, get_visible, require
from integra.core.permissions import Permission

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "itg_"  # noqa: S105 - a public marker, not a secret
TOTP_DEVICE_NAME = "Integra"


def acting_membership_switch(
    *, user: User, membership_id: object, previous_membership_id: int | None
) -> Membership:
    """The operator's current membership ``membership_id``, or ``NotFound``.

    Only the session changes (the caller stores the id); the switch is added to the history
    context of the request and logged, so later writes and the server log say who acted as what.
    """
    try:
        pk = int(str(membership_id))
    except ValueError:
        raise NotFound() from None
    membership = memberships_current(user=user).filter(pk=pk).first()
    if membership is None:
        raise NotFound()
    pghistory.context(
        membership=membership.pk,
        organization=membership.organization_id,
        membership_switched_from=previous_membership_id,
    )
    logger.info(
        "acting membership switch: user=%s from=%s to=%s organization=%s",
        user.pk,
        previous_membership_id,
        membership.pk,
        membership.organization_id,
    )
    return membership


def api_token_create(
    *,
    user: User,
    membership: Membership,
    name: str,
    expires_at: datetime | None = None,
    second_factor_verified: bool = False,
) -> tuple[ApiToken, str]:
    """Issue a token for ``membership``; returns the token and the raw secret (shown once).

    Only the SHA-256 hash of the secret is stored. A membership with an administrative role
    issues tokens only from a session that passed the second factor: the token itself is not
    asked for one later.
    """
    if membership.user_id != user.pk or not membership.is_current():
        raise NotFound()
    actor = Actor.for_membership(user, membership)
    require(actor, Permission.API_TOKEN_ISSUE)
    if actor.needs_second_factor and not second_factor_verified:
        raise AccountError(
            AccountErrorCode.SECOND_FACTOR_REQUIRED,
            _(
                "Per emettere un token con un ruolo di amministrazione completa prima la "
                "verifica in due passaggi."
            ),
        )
    clean_name = name.strip()
    if not clean_name:
        raise AccountError(
            AccountErrorCode.TOKEN_NAME_REQUIRED, _("Indica un nome per riconoscere il token.")
        )
    if expires_at is not None and expires_at <= timezone.now():
        raise AccountError(
            AccountErrorCode.TOKEN_EXPIRY_IN_PAST, _("La scadenza deve essere nel futuro.")
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic(), pghistory.context(reason="api_token_create"):
        token = ApiToken(
            user=user,
            membership=membership,
            name=clean_name[:100],
            prefix=raw[: len(TOKEN_PREFIX) + 6],
            token_hash=hash_token(raw),
            expires_at=expires_at,
        )
        token.full_clean()
        token.save()
    logger.info(
        "api token issued: user=%s membership=%s token=%s", user.pk, membership.pk, token.pk
    )
    return token, raw


def api_token_revoke(*, actor: Actor, token_id: int) -> ApiToken:
    """Revoke one of the actor's own tokens (idempotent); another's token is ``NotFound``."""
    with transaction.atomic(), pghistory.context(reason="api_token_revoke"):
        token = get_visible(
            actor,
            ApiToken.objects.select_for_update(of=("self",)).select_related(
                "membership__organization"
            ),
            pk=token_id,
        )
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
    return token


def api_token_touch(*, token: ApiToken) -> None:
    """Note the last use, at most once a minute per token (no history row: excluded field)."""
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


def totp_device_prepare(*, user: User) -> TOTPDevice | None:
    """The unconfirmed TOTP device to enrol, created on first use; ``None`` once one is confirmed.

    The device is stored before it is confirmed so that failed confirmation codes are
    throttled across requests (django-otp keeps the failure count on the device).
    """
    with transaction.atomic():
        if user_has_device(user, confirmed=True):
            return None
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def totp_device_confirm(*, user: User, device_id: int, code: str) -> TOTPDevice | None:
    """Confirm the enrolment with a code from the app; ``None`` if the code is wrong."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False, pk=device_id)
            .first()
        )
        if device is None or not device.verify_token(code):
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        # One authenticator per operator: drop abandoned enrolments.
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    logger.info("second factor enrolled: user=%s device=%s", user.pk, device.pk)
    return device


def second_factor_verify(*, user: User, code: str) -> Device | None:
    """The confirmed device that accepts ``code``, or ``None`` (django-otp throttles failures)."""
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            if device.verify_token(code):
                return device
    return None
