"""Roles nobody can raise for themselves (issue 9, finding 4).

Found on the demo: ``admin.ente`` of the Comune sent ``PATCH /api/v1/staff/{own id}
{"roles": ["org_admin", "doctor", "pua_operator"]}``, got 200 and then read Barthel results.
Each attempt below is made as an attacker would, through the API and the pages.
"""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from integra.accounts.errors import AccountErrorCode, StaffError
from integra.accounts.models import Membership
from integra.accounts.services import api_token_create, membership_add
from integra.audit.models import AccessAction, AccessLog
from integra.core.access import Actor, NotFound
from integra.core.permissions import Role
from integra.organizations.models import OrganizationKind
from tests.accounts.helpers import confirmed_device
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db

STAFF = "/api/v1/staff"


def bearer(membership: Membership) -> dict[str, str]:
    _token, raw = api_token_create(
        user=membership.user, membership=membership, name="t", second_factor_verified=True
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert (body["status"], body["code"]) == (status, code)
    return body


def actor_of(membership: Membership) -> Actor:
    return Actor.for_membership(membership.user, membership)


def patch(client: Client, pk: int, data: dict, headers: dict):
    return client.patch(f"{STAFF}/{pk}", data, content_type="application/json", **headers)


def post(client: Client, url: str, data: dict, headers: dict):
    return client.post(url, data, content_type="application/json", **headers)


@pytest.fixture
def comune_admin(org_a, make_membership) -> Membership:
    """``admin.ente``: the administrator of a Comune (org_a is a Comune)."""
    return make_membership(org_a, Role.ORG_ADMIN)


@pytest.fixture
def asst_admin(org_b, make_membership) -> Membership:
    return make_membership(org_b, Role.ORG_ADMIN)


@pytest.fixture
def system_admin(org_a, make_membership) -> Membership:
    return make_membership(org_a, Role.SYSTEM_ADMIN)


# --- one's own membership ------------------------------------------------------------------------


def test_the_demo_attack_is_refused(client, comune_admin) -> None:
    roles = ["org_admin", "doctor", "pua_operator"]
    body = problem(
        patch(client, comune_admin.pk, {"roles": roles}, bearer(comune_admin)),
        403,
        "own_membership",
    )
    assert body["title"] == "Appartenenza propria"
    assert body["detail"] == (
        "Non puoi cambiare i tuoi ruoli in Comune di Alfa: chiedi a un altro amministratore di "
        "farlo."
    )
    assert [e["field"] for e in body["errors"]] == ["roles"]
    comune_admin.refresh_from_db()
    assert comune_admin.roles == [Role.ORG_ADMIN]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"roles": ["org_admin", "auditor"]}, "roles"),  # a role added
        ({"roles": ["auditor"]}, "roles"),  # the admin role dropped
        ({"valid_until": "2099-12-31"}, "valid_until"),
        ({"valid_from": "2000-01-01"}, "valid_from"),
        ({"is_active": False}, "is_active"),
    ],
)
def test_nobody_changes_their_own_roles_or_validity(client, asst_admin, change, field) -> None:
    before = (list(asst_admin.roles), asst_admin.valid_from, asst_admin.valid_until)
    body = problem(patch(client, asst_admin.pk, change, bearer(asst_admin)), 403, "own_membership")
    assert [e["field"] for e in body["errors"]] == [field]
    assert "chiedi a un altro amministratore" in body["errors"][0]["message"]
    asst_admin.refresh_from_db()
    assert (asst_admin.roles, asst_admin.valid_from, asst_admin.valid_until) == before
    assert asst_admin.is_active is True


def test_a_system_admin_is_no_exception(client, system_admin) -> None:
    problem(
        patch(client, system_admin.pk, {"roles": ["system_admin", "doctor"]}, bearer(system_admin)),
        403,
        "own_membership",
    )


def test_own_unit_and_job_title_stay_editable(client, comune_admin) -> None:
    same_roles = {"roles": ["org_admin"], "job_title": "Responsabile dei servizi sociali"}
    response = patch(client, comune_admin.pk, same_roles, bearer(comune_admin))
    assert response.status_code == 200, response.content
    assert response.json()["job_title"] == "Responsabile dei servizi sociali"


def test_nobody_adds_themselves_to_an_organisation(system_admin, org_b) -> None:
    """A second membership is a second set of roles: a system admin may not give themselves
    the doctor's role in an ASST either."""
    with pytest.raises(StaffError) as err:
        membership_add(
            actor=actor_of(system_admin),
            username=system_admin.user.username,
            roles=["doctor"],
            organization_id=org_b.pk,
        )
    assert err.value.code == AccountErrorCode.OWN_MEMBERSHIP
    assert err.value.status == 403
    assert list(err.value.errors) == ["username"]
    assert not Membership.objects.filter(user=system_admin.user, organization=org_b).exists()


def test_an_org_admin_cannot_reach_another_organisation(
    client, comune_admin, org_b, make_membership
) -> None:
    new = {"username": "x.doc", "first_name": "X", "last_name": "Doc", "roles": ["doctor"]}
    problem(
        post(client, STAFF, {**new, "organization_id": org_b.pk}, bearer(comune_admin)),
        404,
        "not_found",
    )
    doctor = make_membership(OrganizationFactory(kind=OrganizationKind.HOSPITAL), Role.DOCTOR)
    with pytest.raises(NotFound):
        membership_add(
            actor=actor_of(comune_admin),
            username=doctor.user.username,
            roles=["social_worker"],
            organization_id=org_b.pk,
        )
    assert not Membership.objects.filter(organization=org_b).exists()


def test_an_org_admin_cannot_grant_the_system_admin_role(
    client, comune_admin, org_a, make_membership
):
    colleague = make_membership(org_a, Role.SOCIAL_WORKER)
    problem(
        patch(client, colleague.pk, {"roles": ["system_admin"]}, bearer(comune_admin)),
        403,
        "permission_denied",
    )


# --- health roles only where health care is provided --------------------------------------------


@pytest.mark.parametrize("role", ["doctor", "nurse"])
def test_no_health_role_in_a_comune(client, comune_admin, org_a, make_membership, role) -> None:
    new = {"username": "n.uovo", "first_name": "N", "last_name": "Uovo", "roles": [role]}
    body = problem(post(client, STAFF, new, bearer(comune_admin)), 422, "health_role_not_allowed")
    assert "Comune di Alfa non eroga prestazioni sanitarie" in body["detail"]
    assert [e["field"] for e in body["errors"]] == ["roles"]

    colleague = make_membership(org_a, Role.SOCIAL_WORKER)
    problem(
        patch(client, colleague.pk, {"roles": ["social_worker", role]}, bearer(comune_admin)),
        422,
        "health_role_not_allowed",
    )
    colleague.refresh_from_db()
    assert colleague.roles == [Role.SOCIAL_WORKER]


def test_health_roles_are_given_in_health_organisations(client, asst_admin, org_b) -> None:
    new = {"username": "d.ottore", "first_name": "D", "last_name": "Ottore", "roles": ["doctor"]}
    response = post(client, STAFF, new, bearer(asst_admin))
    assert response.status_code == 201, response.content
    practice = OrganizationFactory(kind=OrganizationKind.GENERAL_PRACTICE)
    assert practice.kind == "general_practice"


@pytest.mark.parametrize(
    ("kind", "allowed"),
    [
        (OrganizationKind.HEALTH_AUTHORITY, True),
        (OrganizationKind.HEALTH_AGENCY, True),
        (OrganizationKind.HOSPITAL, True),
        (OrganizationKind.GENERAL_PRACTICE, True),
        (OrganizationKind.MUNICIPALITY, False),
        (OrganizationKind.AMBITO, False),
        (OrganizationKind.THIRD_SECTOR, False),
        (OrganizationKind.SCHOOL, False),
    ],
)
def test_the_default_health_care_kinds(kind, allowed, make_membership) -> None:
    organization = OrganizationFactory(kind=kind)
    admin = make_membership(organization, Role.ORG_ADMIN)
    nurse = make_membership(OrganizationFactory(kind=OrganizationKind.HOSPITAL), Role.NURSE)
    actor = actor_of(admin)
    if allowed:
        assert membership_add(actor=actor, username=nurse.user.username, roles=["nurse"]).roles == [
            "nurse"
        ]
    else:
        with pytest.raises(StaffError) as err:
            membership_add(actor=actor, username=nurse.user.username, roles=["nurse"])
        assert err.value.code == "health_role_not_allowed"


@override_settings(INTEGRA_HEALTH_CARE_KINDS=["comune", "asl"])
def test_the_health_care_kinds_are_configurable(client, comune_admin) -> None:
    new = {"username": "n.uovo", "first_name": "N", "last_name": "Uovo", "roles": ["nurse"]}
    assert post(client, STAFF, new, bearer(comune_admin)).status_code == 201


@override_settings(INTEGRA_HEALTH_CARE_KINDS=["asl", "clinica"])
def test_an_unknown_kind_in_the_setting_is_a_configuration_error() -> None:
    from django.core.exceptions import ImproperlyConfigured

    from integra.accounts.access import health_care_kinds

    with pytest.raises(ImproperlyConfigured, match="clinica"):
        health_care_kinds()


# --- the pages -----------------------------------------------------------------------------------


def _page_client(membership: Membership) -> Client:
    """A session that passed the second factor, as administrative roles need."""
    client = Client()
    client.force_login(membership.user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = confirmed_device(membership.user).persistent_id
    session.save()
    return client


def test_the_own_edit_page_shows_roles_but_does_not_change_them(comune_admin) -> None:
    client = _page_client(comune_admin)
    url = reverse("accounts:staff_edit", args=[comune_admin.pk])
    page = client.get(url).content.decode()
    assert "solo un altro amministratore può cambiarlo" in page
    client.post(url, {"roles": ["org_admin", "doctor"], "job_title": "Capo"})
    comune_admin.refresh_from_db()
    assert comune_admin.roles == [Role.ORG_ADMIN]
    assert comune_admin.job_title == "Capo"


def test_own_deactivation_from_the_page_is_refused_with_a_message(comune_admin) -> None:
    client = _page_client(comune_admin)
    url = reverse("accounts:staff_deactivate", args=[comune_admin.pk])
    page = client.post(url, follow=True).content.decode()
    assert "Non puoi disattivare la tua appartenenza a Comune di Alfa" in page
    comune_admin.refresh_from_db()
    assert comune_admin.is_active is True


def test_a_comune_is_not_offered_health_roles(comune_admin) -> None:
    page = _page_client(comune_admin).get(reverse("accounts:staff_create")).content.decode()
    assert 'value="social_worker"' in page
    assert 'value="doctor"' not in page and 'value="nurse"' not in page


# --- every change in the access log -----------------------------------------------------------


def test_refused_attempts_change_nothing_in_the_log_of_role_changes(client, comune_admin) -> None:
    patch(client, comune_admin.pk, {"roles": ["doctor"]}, bearer(comune_admin))
    assert not AccessLog.objects.filter(action=AccessAction.CHANGE, outcome="allowed").exists()


def _role_changes() -> list[AccessLog]:
    return list(AccessLog.objects.filter(action=AccessAction.CHANGE).order_by("seq"))


def test_every_grant_revocation_validity_change_and_deactivation_is_logged(
    client, asst_admin, org_b
) -> None:
    headers = bearer(asst_admin)
    new = {"username": "i.nfermiera", "first_name": "I", "last_name": "Nfermiera"}
    created = post(client, STAFF, {**new, "roles": ["nurse"]}, headers).json()
    pk = created["id"]
    assert patch(client, pk, {"job_title": "Infermiera"}, headers).status_code == 200  # no grant
    assert patch(client, pk, {"roles": ["nurse", "uvm_member"]}, headers).status_code == 200
    assert patch(client, pk, {"roles": ["uvm_member"]}, headers).status_code == 200
    assert patch(client, pk, {"valid_until": "2030-06-30"}, headers).status_code == 200
    assert patch(client, pk, {"is_active": False}, headers).status_code == 200

    entries = _role_changes()
    assert [e.detail["changed"] for e in entries] == [
        ["is_active", "roles", "valid_from", "valid_until"],  # the first grant: everything
        ["roles"],
        ["roles"],
        ["valid_until"],
        ["is_active"],
    ]
    assert [e.detail["before"] and e.detail["before"]["roles"] for e in entries] == [
        None,
        ["nurse"],
        ["nurse", "uvm_member"],
        ["uvm_member"],
        ["uvm_member"],
    ]
    assert [e.detail["after"]["roles"] for e in entries] == [
        ["nurse"],
        ["nurse", "uvm_member"],
        ["uvm_member"],
        ["uvm_member"],
        ["uvm_member"],
    ]
    assert entries[3].detail["after"]["valid_until"] == "2030-06-30"
    assert entries[4].detail["after"]["is_active"] is False
    for entry in entries:
        assert (entry.subject_type, entry.subject_id) == ("accounts.membership", str(pk))
        assert entry.user_id == asst_admin.user.pk  # who changed it
        assert entry.subject_organization_id == org_b.pk
        assert entry.purpose == "Gestione dei ruoli"
        assert entry.outcome == "allowed"


def test_the_auditor_sees_and_filters_role_changes(client, asst_admin, org_b, make_membership):
    headers = bearer(asst_admin)
    colleague = make_membership(org_b, Role.SOCIAL_WORKER)
    patch(client, colleague.pk, {"roles": ["social_worker", "doctor"]}, headers)
    auditor = make_membership(org_b, Role.AUDITOR)
    page_client = Client()
    page_client.force_login(auditor.user)
    page = page_client.get(reverse("audit:access_log"), {"action": "change"}).content.decode()
    assert "Modifica" in page
    assert "Ruoli: Assistente sociale → Assistente sociale, Medico" in page
    # Only the changes: the staff reads of the same session are not listed.
    assert page.count("Gestione dei ruoli") == 1
