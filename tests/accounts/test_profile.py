"""The profile page: memberships, permissions, second factor, personal API tokens."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from integra.accounts.models import ApiToken
from integra.accounts.services import api_token_create
from integra.core.permissions import Role
from tests.accounts.helpers import confirmed_device, device_code
from tests.factories import MembershipFactory, OrganizationFactory

PROFILE = "/account/profile/"
CREATE = "/account/tokens/"


def test_profile_lists_memberships_roles_and_italian_permissions(
    logged_in, social_worker, org_b
) -> None:
    MembershipFactory(
        user=social_worker.user, organization=org_b, roles=[Role.NURSE, Role.UVM_MEMBER]
    )
    client = logged_in(social_worker)
    client.post("/account/membership/", {"membership": social_worker.pk})
    html = client.get(PROFILE).content.decode()
    assert "<h1>Il tuo profilo</h1>" in html
    assert '<th scope="row">Comune di Alfa</th>' in html
    assert '<th scope="row">ASST Beta</th>' in html
    assert "Infermiere, Componente UVM" in html
    assert "Stai operando con questa" in html
    # Permissions of the acting membership (social worker) with their Italian labels.
    for label in (
        "Consultare l&#x27;anagrafe delle persone",
        "Registrare dati sociali",
        "Emettere token personali per l&#x27;API",
    ):
        assert label in html
    assert "Registrare dati sanitari" not in html


def test_create_token_shows_the_secret_once_and_stores_only_its_hash(
    logged_in, social_worker
) -> None:
    client = logged_in(social_worker)
    response = client.post(
        CREATE, {"name": "Gestionale comunale", "membership": social_worker.pk, "expires_on": ""}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = response.context["raw_token"]
    assert raw.startswith("itg_") and len(raw) > 40
    assert f'value="{raw}"' in response.content.decode()

    token = ApiToken.objects.get()
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert token.prefix == raw[:10]
    assert token.expires_at is None
    # The raw secret is in no column of the token, nor in its history rows.
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(t)::text FROM accounts_apitoken t")
        assert raw not in cursor.fetchone()[0]
        cursor.execute(
            "SELECT coalesce(string_agg(row_to_json(e)::text, ''), '') "
            "FROM accounts_apitokenevent e"
        )
        history = cursor.fetchone()[0]
    assert raw not in history and token.token_hash in history

    # Back on the profile the token is listed by name and prefix, never in full.
    html = client.get(PROFILE).content.decode()
    assert "Gestionale comunale" in html
    assert f"{token.prefix}…" in html
    assert raw not in html


def test_token_expiry_date_is_inclusive(logged_in, social_worker) -> None:
    day = timezone.localdate() + timedelta(days=10)
    response = logged_in(social_worker).post(
        CREATE, {"name": "scade", "membership": social_worker.pk, "expires_on": day.isoformat()}
    )
    assert response.status_code == 200
    token = ApiToken.objects.get()
    expires = timezone.localtime(token.expires_at)
    # Valid through the chosen day: expires at the following local midnight.
    assert expires.date() == day + timedelta(days=1)
    assert (expires.hour, expires.minute, expires.second) == (0, 0, 0)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "expires_on": ""}, "Indica un nome per riconoscere il token."),
        (
            {"name": "x", "expires_on": "2001-01-01"},
            "La data di scadenza non può essere nel passato.",
        ),
        ({"name": "x", "expires_on": "31/02/2030"}, "Data non valida: usa il formato gg/mm/aaaa."),
    ],
)
def test_bad_token_input_gets_an_italian_message_and_saves_nothing(
    logged_in, social_worker, data, message
) -> None:
    response = logged_in(social_worker).post(CREATE, {**data, "membership": social_worker.pk})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ApiToken.objects.exists()


def test_token_for_another_operators_membership_is_refused(
    logged_in, social_worker, org_b, make_membership
) -> None:
    stranger = make_membership(org_b, Role.NURSE)
    response = logged_in(social_worker).post(CREATE, {"name": "furbo", "membership": stranger.pk})
    assert response.status_code == 200
    assert "Scegli uno degli enti in cui operi oggi." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_admin_membership_token_needs_a_verified_session(logged_in, org_admin, org_b) -> None:
    # The operator acts as a nurse (no factor needed to browse) but asks a token for the
    # administrative membership: refused until the session is verified.
    nurse = MembershipFactory(user=org_admin.user, organization=org_b, roles=[Role.NURSE])
    client = logged_in(org_admin)
    client.post("/account/membership/", {"membership": nurse.pk})
    response = client.post(CREATE, {"name": "admin", "membership": org_admin.pk})
    assert response.status_code == 200
    assert "verifica in due passaggi" in response.content.decode()
    assert not ApiToken.objects.exists()

    device = confirmed_device(org_admin.user)
    client.post("/account/2fa/verify/", {"code": device_code(device)})
    response = client.post(CREATE, {"name": "admin", "membership": org_admin.pk})
    assert response.status_code == 200
    assert ApiToken.objects.get().membership == org_admin


def test_revoke_own_token(logged_in, social_worker) -> None:
    token, _raw = api_token_create(user=social_worker.user, membership=social_worker, name="t")
    client = logged_in(social_worker)
    response = client.post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    html = client.get(PROFILE).content.decode()
    assert "Il token «t» è stato revocato." in html
    assert "Revocato" in html


def test_revoke_another_operators_token_is_404(
    logged_in, social_worker, org_b, make_membership
) -> None:
    stranger = make_membership(org_b, Role.NURSE)
    token, _raw = api_token_create(user=stranger.user, membership=stranger, name="altrui")
    response = logged_in(social_worker).post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_profile_query_count_does_not_grow_with_tokens_and_memberships(
    logged_in, social_worker, django_assert_max_num_queries
) -> None:
    client = logged_in(social_worker)

    def add(n: int) -> None:
        for _ in range(n):
            membership = MembershipFactory(
                user=social_worker.user, organization=OrganizationFactory(), roles=[Role.NURSE]
            )
            api_token_create(user=social_worker.user, membership=membership, name="t")
            api_token_create(user=social_worker.user, membership=social_worker, name="u")

    add(3)
    client.get(PROFILE)  # warm caches (content types, sessions)
    with django_assert_max_num_queries(14) as small:
        assert client.get(PROFILE).status_code == 200
    add(30)
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        response = client.get(PROFILE)
    assert response.status_code == 200
    assert len(response.context["tokens"]) == 66
    assert len(large.captured_queries) == len(small.captured_queries)
