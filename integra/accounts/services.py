"""Writes of the accounts app: acting membership, API tokens."""

from __future__ import annotations

import secrets
from datetime import datetime

import pghistory
from django.db import transaction
from django.utils import timezone

from integra.accounts.models import ApiToken, Membership, User, hash_token
from integra.core.access import Actor, NotFound, get_visible, require
from integra.core.permissions import Permission

TOKEN_PREFIX = "itg_"


def api_token_create(
    *, user: User, membership: Membership, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Issue a token for ``membership``; returns the token and the raw secret (shown once)."""
    if membership.user_id != user.pk or not membership.is_current():
        raise NotFound()
    actor = Actor.for_membership(user, membership)
    require(actor, Permission.API_TOKEN_ISSUE)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic(), pghistory.context(reason="api_token_create"):
        token = ApiToken(
            user=user,
            membership=membership,
            name=name.strip()[:100] or "token",
            prefix=raw[: len(TOKEN_PREFIX) + 6],
            token_hash=hash_token(raw),
            expires_at=expires_at,
        )
        token.full_clean()
        token.save()
    return token, raw


def api_token_revoke(*, actor: Actor, token_id: int) -> ApiToken:
    with transaction.atomic(), pghistory.context(reason="api_token_revoke"):
        token = get_visible(actor, ApiToken.objects.select_for_update(), pk=token_id)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
    return token


def api_token_touch(*, token: ApiToken) -> None:
    """Note the last use, at most once a minute per token (no history row: excluded field)."""
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
