"""integra/accounts/services.py"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from integra.accounts.errors import AccountError, AccountErrorCode
from integra.accounts.models import ApiToken
from integra.accounts.selectors import api_token_authenticate
from integra.accounts.services import (
    acting_membership_switch,
    api_token_create,
    api_token_revoke,
    totp_device_confirm,
    totp_device_prepare,
)
from integra.core.access import Actor, NotFound
from integra.core.permissions import Role
from tests.accounts.helpers import device_code


def test_api_token_create_returns_raw_once_and_stores_sha256(social_worker) -> None:
    token, raw = api_token_create(
        user=social_worker.user, membership=social_worker, name="  Gestionale  "
    )
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.name == "Gestionale"
    assert stored.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {stored.name, stored.prefix, stored.token_hash}
    assert api_token_authenticate(raw_token=raw) == stored
    assert api_token_authenticate(raw_token=raw + "x") is None


def test_two_tokens_never_share_a_secret(social_worker) -> None:
    raws = {
        api_token_create(user=social_worker.user, membership=social_worker, name="t")[1]
        for _ in range(20)
    }
    assert len(raws) == 20


def test_token_for_another_users_membership_is_not_found(
    social_worker, org_b, make_membership
) -> None:
    stranger = make_membership(org_b, Role.NURSE)
    with pytest.raises(NotFound):
        api_token_create(user=social_worker.user, membership=stranger, name="t")
    assert not ApiToken.objects.exists()


def test_token_for_an_expired_membership_is_not_found(social_worker) -> None:
    social_worker.valid_from = timezone.localdate() - timedelta(days=10)
    social_worker.valid_until = timezone.localdate() - timedelta(days=1)
    social_worker.save()
    with pytest.raises(NotFound):
        api_token_create(user=social_worker.user, membership=social_worker, name="t")


@pytest.mark.parametrize(
    ("name", "expires_in", "code"),
    [
        ("   ", None, AccountErrorCode.TOKEN_NAME_REQUIRED),
        ("t", timedelta(seconds=-1), AccountErrorCode.TOKEN_EXPIRY_IN_PAST),
    ],
)
def test_token_bad_input_raises_domain_error(social_worker, name, expires_in, code) -> None:
    expires_at = timezone.now() + expires_in if expires_in is not None else None
    with pytest.raises(AccountError) as err:
        api_token_create(
            user=social_worker.user, membership=social_worker, name=name, expires_at=expires_at
        )
    assert err.value.code == code
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("role", [Role.ORG_ADMIN, Role.SYSTEM_ADMIN])
def test_admin_membership_token_needs_the_second_factor(org_a, make_membership, role) -> None:
    admin = make_membership(org_a, role)
    with pytest.raises(AccountError) as err:
        api_token_create(user=admin.user, membership=admin, name="t")
    assert err.value.code == AccountErrorCode.SECOND_FACTOR_REQUIRED
    assert "verifica in due passaggi" in str(err.value)
    token, _ = api_token_create(
        user=admin.user, membership=admin, name="t", second_factor_verified=True
    )
    assert token.membership == admin


def test_revoke_is_idempotent_and_scoped_to_the_owner(
    social_worker, org_b, make_membership
) -> None:
    token, raw = api_token_create(user=social_worker.user, membership=social_worker, name="t")
    actor = Actor.for_membership(social_worker.user, social_worker)
    first = api_token_revoke(actor=actor, token_id=token.pk)
    second = api_token_revoke(actor=actor, token_id=token.pk)
    assert first.revoked_at == second.revoked_at is not None
    assert api_token_authenticate(raw_token=raw) is None

    stranger = make_membership(org_b, Role.NURSE)
    with pytest.raises(NotFound):
        api_token_revoke(actor=Actor.for_membership(stranger.user, stranger), token_id=token.pk)


def test_acting_membership_switch_only_to_own_current(
    social_worker, org_b, make_membership
) -> None:
    assert (
        acting_membership_switch(
            user=social_worker.user,
            membership_id=str(social_worker.pk),
            previous_membership_id=None,
        )
        == social_worker
    )
    stranger = make_membership(org_b, Role.NURSE)
    for value in (stranger.pk, "x", None, ""):
        with pytest.raises(NotFound):
            acting_membership_switch(
                user=social_worker.user, membership_id=value, previous_membership_id=None
            )


def test_totp_enrolment_prepare_then_confirm(org_admin) -> None:
    device = totp_device_prepare(user=org_admin.user)
    assert device is not None and not device.confirmed
    assert totp_device_prepare(user=org_admin.user) == device
    assert totp_device_confirm(user=org_admin.user, device_id=device.pk, code=device_code(device))
    device.refresh_from_db()
    assert device.confirmed
    assert totp_device_prepare(user=org_admin.user) is None
