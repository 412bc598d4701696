"""Switching the acting membership: only to one's own current memberships."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from integra.accounts.middleware import SESSION_MEMBERSHIP_KEY
from integra.core.permissions import Permission, Role
from tests.factories import MembershipFactory

SWITCH = "/account/membership/"


@pytest.fixture
def two_memberships(org_a, org_b, social_worker):
    """The same operator: social worker at Comune di Alfa, nurse at ASST Beta."""
    nurse = MembershipFactory(user=social_worker.user, organization=org_b, roles=[Role.NURSE])
    return social_worker, nurse


def test_default_acting_membership_is_the_first_by_organisation_name(
    logged_in, two_memberships
) -> None:
    social_worker, _nurse = two_memberships
    response = logged_in(social_worker).get("/account/profile/")
    # "ASST Beta" sorts before "Comune di Alfa".
    assert response.context["actor"].membership.organization.name == "ASST Beta"


def test_switch_to_own_membership_changes_actor_and_permissions(
    logged_in, two_memberships, caplog
) -> None:
    social_worker, nurse = two_memberships
    client = logged_in(social_worker)
    actor = client.get("/account/profile/").context["actor"]
    assert actor.membership == nurse
    assert actor.has(Permission.HEALTH_DATA_VIEW)  # nurses see health data (ROLE_PERMISSIONS)

    with caplog.at_level(logging.INFO, logger="integra.accounts.services"):
        response = client.post(
            SWITCH, {"membership": social_worker.pk, "next": "/account/profile/"}
        )
    assert response.status_code == 302
    assert response["Location"] == "/account/profile/"
    assert client.session[SESSION_MEMBERSHIP_KEY] == social_worker.pk
    assert f"from={nurse.pk} to={social_worker.pk}" in caplog.text

    page = client.get("/account/profile/")
    actor = page.context["actor"]
    assert actor.membership == social_worker
    assert not actor.has(Permission.HEALTH_DATA_VIEW)  # a social worker does not
    assert actor.has(Permission.CASE_MANAGE)
    html = page.content.decode()
    assert "Ora operi per Comune di Alfa come Assistente sociale." in html
    # The permissions listed are those of the acting membership, in Italian.
    assert "Gestire la presa in carico come case manager" in html
    assert "Consultare dati sanitari" not in html


def test_switch_to_another_operators_membership_is_404_and_changes_nothing(
    logged_in, two_memberships, org_a, make_membership
) -> None:
    social_worker, _nurse = two_memberships
    stranger = make_membership(org_a, Role.ORG_ADMIN)
    client = logged_in(social_worker)
    client.post(SWITCH, {"membership": social_worker.pk})
    response = client.post(SWITCH, {"membership": stranger.pk})
    assert response.status_code == 404
    assert client.session[SESSION_MEMBERSHIP_KEY] == social_worker.pk


@pytest.mark.parametrize("value", ["", "abc", "-1", "999999999", "1.5", "1 OR 1=1"])
def test_switch_with_a_bad_value_is_404(logged_in, two_memberships, value) -> None:
    social_worker, _ = two_memberships
    client = logged_in(social_worker)
    response = client.post(SWITCH, {"membership": value})
    assert response.status_code == 404
    assert SESSION_MEMBERSHIP_KEY not in client.session


def test_switch_to_an_expired_membership_is_404(logged_in, two_memberships) -> None:
    social_worker, nurse = two_memberships
    nurse.valid_from = timezone.localdate() - timedelta(days=30)
    nurse.valid_until = timezone.localdate() - timedelta(days=1)
    nurse.save()
    client = logged_in(social_worker)
    assert client.post(SWITCH, {"membership": nurse.pk}).status_code == 404


def test_switch_ignores_an_external_next(logged_in, two_memberships) -> None:
    social_worker, _ = two_memberships
    client = logged_in(social_worker)
    response = client.post(
        SWITCH, {"membership": social_worker.pk, "next": "https://evil.example/steal"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_switch_needs_post_and_login(client, logged_in, two_memberships) -> None:
    social_worker, _ = two_memberships
    assert client.post(SWITCH, {"membership": social_worker.pk}).status_code == 302  # to login
    assert logged_in(social_worker).get(SWITCH).status_code == 405
