"""integra/accounts/services.py — staff management: operator_create, membership_add,
membership_update, membership_deactivate, operator_password_change."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from integra.accounts.errors import AccountErrorCode, StaffError
from integra.accounts.models import Membership, User
from integra.accounts.services import (
    TEMPORARY_PASSWORD_ALPHABET,
    membership_add,
    membership_deactivate,
    membership_update,
    operator_create,
    operator_password_change,
    temporary_password_generate,
)
from integra.audit.models import AccessLog, AccessOutcome
from integra.core.access import Actor, NotFound, PermissionRequired
from integra.core.permissions import Permission, Role
from integra.organizations.models import Unit

UserEvent = apps.get_model("accounts", "UserEvent")
MembershipEvent = apps.get_model("accounts", "MembershipEvent")


def actor_of(membership: Membership) -> Actor:
    return Actor.for_membership(membership.user, membership)


@pytest.fixture
def admin_a(org_a, make_membership) -> Actor:
    return actor_of(make_membership(org_a, Role.ORG_ADMIN))


@pytest.fixture
def system_admin(org_a, make_membership) -> Actor:
    return actor_of(make_membership(org_a, Role.SYSTEM_ADMIN))


def create(actor: Actor, **overrides) -> tuple[Membership, str]:
    data = {
        "username": "lbianchi",
        "first_name": "Laura",
        "last_name": "Bianchi",
        "email": "laura.bianchi@comune.alfa.it",
        "fiscal_code": "",
        "roles": [Role.SOCIAL_WORKER],
    }
    return operator_create(actor=actor, **{**data, **overrides})


def counts() -> tuple[int, int]:
    return User.objects.count(), Membership.objects.count()


# --- operator_create ---------------------------------------------------------------------------


def test_operator_create_stores_only_a_hash_of_a_temporary_password(admin_a, org_a) -> None:
    membership, password = create(admin_a, fiscal_code="rssmra80a01f205x")
    user = User.objects.get(username="lbianchi")
    assert membership.user == user
    assert membership.organization == org_a
    assert membership.roles == [Role.SOCIAL_WORKER]
    assert user.must_change_password is True
    # Four groups of four characters of the unambiguous alphabet.
    assert re.fullmatch(r"[%s]{4}(-[%s]{4}){3}" % ((TEMPORARY_PASSWORD_ALPHABET,) * 2), password)
    assert password not in user.password
    assert user.check_password(password)
    # Upper-cased; the full check of the code comes with the person registry.
    assert user.fiscal_code == "RSSMRA80A01F205X"


def test_temporary_passwords_do_not_repeat() -> None:
    assert len({temporary_password_generate() for _ in range(50)}) == 50


def test_roles_are_kept_once_in_declaration_order(admin_a) -> None:
    membership, _ = create(
        admin_a, roles=[Role.CASE_MANAGER, Role.SOCIAL_WORKER, Role.CASE_MANAGER]
    )
    # Role declares SOCIAL_WORKER before CASE_MANAGER (integra/core/permissions.py).
    assert membership.roles == [Role.SOCIAL_WORKER, Role.CASE_MANAGER]


def test_duplicate_username_is_refused_in_italian_whatever_the_case(admin_a, make_membership):
    make_membership(admin_a.organization, Role.NURSE, user__username="LBianchi")
    before = counts()
    with pytest.raises(StaffError) as err:
        create(admin_a, username="lbianchi")
    assert err.value.code == AccountErrorCode.USERNAME_TAKEN
    assert err.value.errors == {
        "username": [
            "Il nome utente «lbianchi» è già in uso: scegline un altro, oppure aggiungi "
            "all'ente l'operatore che lo usa già."
        ]
    }
    assert counts() == before


def test_every_bad_field_is_reported_and_nothing_is_saved(admin_a, org_b) -> None:
    foreign_unit = Unit.objects.create(organization=org_b, name="CPS")
    before = counts()
    with pytest.raises(StaffError) as err:
        create(
            admin_a,
            username=" ",
            first_name="",
            last_name="",
            fiscal_code="RSSMRA80",
            roles=["not_a_role"],
            unit_id=foreign_unit.pk,
            valid_from=date(2026, 5, 10),
            valid_until=date(2026, 5, 9),
        )
    errors = err.value.errors
    assert err.value.code == AccountErrorCode.STAFF_INVALID
    assert set(errors) == {
        "username",
        "first_name",
        "last_name",
        "fiscal_code",
        "roles",
        "unit",
        "valid_until",
    }
    assert errors["roles"] == ["Ruolo non previsto: «not_a_role»."]
    assert errors["fiscal_code"] == ["Il codice fiscale è formato da 16 lettere e cifre."]
    assert errors["unit"] == ["Scegli una delle unità organizzative di Comune di Alfa."]
    assert errors["valid_until"] == [
        "La fine della validità non può precedere l'inizio (10/05/2026)."
    ]
    assert err.value.message == "Uno o più dati non sono validi: correggili."
    assert counts() == before


def test_no_roles_is_refused(admin_a) -> None:
    with pytest.raises(StaffError) as err:
        create(admin_a, roles=[])
    assert err.value.errors == {"roles": ["Scegli almeno un ruolo."]}
    assert not User.objects.filter(username="lbianchi").exists()


def test_invalid_email_is_refused_by_the_model_check(admin_a) -> None:
    with pytest.raises(StaffError) as err:
        create(admin_a, email="non-una-email")
    assert list(err.value.errors) == ["email"]
    assert not User.objects.filter(username="lbianchi").exists()


def test_unit_of_the_organisation_is_accepted(admin_a, org_a) -> None:
    unit = Unit.objects.create(organization=org_a, name="Servizio sociale professionale")
    membership, _ = create(admin_a, unit_id=unit.pk, job_title="  Assistente sociale ")
    assert membership.unit == unit
    assert membership.job_title == "Assistente sociale"


def test_social_worker_may_not_create_operators(org_a, make_actor) -> None:
    social_worker = make_actor(org_a, Role.SOCIAL_WORKER)
    before = counts()
    with pytest.raises(PermissionRequired) as err:
        create(social_worker)
    assert err.value.permission == Permission.MEMBERSHIP_MANAGE
    assert counts() == before


def test_only_a_system_admin_grants_the_system_admin_role(admin_a, system_admin) -> None:
    before = counts()
    with pytest.raises(PermissionRequired) as err:
        create(admin_a, roles=[Role.ORG_ADMIN, Role.SYSTEM_ADMIN])
    assert err.value.permission == Permission.SYSTEM_ADMIN
    assert counts() == before

    membership, _ = create(system_admin, roles=[Role.SYSTEM_ADMIN])
    assert membership.roles == [Role.SYSTEM_ADMIN]


def test_org_admin_creates_only_in_their_own_organisation(admin_a, org_b) -> None:
    before = counts()
    with pytest.raises(NotFound):
        create(admin_a, organization_id=org_b.pk)
    assert counts() == before


def test_system_admin_creates_in_any_organisation(system_admin, org_b) -> None:
    membership, _ = create(system_admin, organization_id=org_b.pk)
    assert membership.organization == org_b


# --- membership_add ----------------------------------------------------------------------------


def test_existing_operator_joins_another_organisation(admin_a, org_b, make_membership) -> None:
    nurse_b = make_membership(org_b, Role.NURSE, user__username="gverdi")
    membership = membership_add(actor=admin_a, username="gverdi", roles=[Role.UVM_MEMBER])
    assert membership.user == nurse_b.user
    assert membership.organization == admin_a.organization
    assert membership.roles == [Role.UVM_MEMBER]
    assert nurse_b.user.memberships.count() == 2


def test_adding_an_unknown_username_says_so(admin_a) -> None:
    with pytest.raises(StaffError) as err:
        membership_add(actor=admin_a, username="nessuno", roles=[Role.UVM_MEMBER])
    assert err.value.code == AccountErrorCode.OPERATOR_NOT_FOUND
    assert "Nessun operatore ha il nome utente «nessuno»" in err.value.errors["username"][0]


def test_adding_a_member_twice_is_refused(admin_a, org_a, make_membership) -> None:
    make_membership(org_a, Role.NURSE, user__username="gverdi")
    before = counts()
    with pytest.raises(StaffError) as err:
        membership_add(actor=admin_a, username="gverdi", roles=[Role.CASE_MANAGER])
    assert err.value.code == AccountErrorCode.ALREADY_MEMBER
    assert counts() == before


# --- membership_update / membership_deactivate ------------------------------------------------


def test_update_changes_only_what_is_given(admin_a, org_a, make_membership) -> None:
    nurse = make_membership(org_a, Role.NURSE, job_title="Infermiere")
    updated = membership_update(actor=admin_a, membership_id=nurse.pk, job_title="Coordinatore")
    nurse.refresh_from_db()
    assert updated.pk == nurse.pk
    assert nurse.job_title == "Coordinatore"
    assert nurse.roles == [Role.NURSE]
    assert nurse.is_active is True


def test_org_admin_cannot_touch_another_organisations_membership(
    admin_a, org_b, make_membership
) -> None:
    nurse_b = make_membership(org_b, Role.NURSE)
    with pytest.raises(NotFound):
        membership_update(actor=admin_a, membership_id=nurse_b.pk, roles=[Role.DOCTOR])
    with pytest.raises(NotFound):
        membership_deactivate(actor=admin_a, membership_id=nurse_b.pk)
    nurse_b.refresh_from_db()
    assert (nurse_b.roles, nurse_b.is_active) == ([Role.NURSE], True)
    # The attempt on an existing record of another organisation is in the access log.
    denied = AccessLog.objects.filter(
        subject_type="accounts.membership", subject_id=str(nurse_b.pk)
    )
    assert denied.count() == 2
    assert {row.outcome for row in denied} == {AccessOutcome.DENIED}


def test_system_admin_changes_any_organisations_membership(
    system_admin, org_b, make_membership
) -> None:
    nurse_b = make_membership(org_b, Role.NURSE)
    membership_update(actor=system_admin, membership_id=nurse_b.pk, roles=[Role.DOCTOR])
    nurse_b.refresh_from_db()
    assert nurse_b.roles == [Role.DOCTOR]


def test_org_admin_cannot_grant_system_admin_on_update(admin_a, org_a, make_membership) -> None:
    nurse = make_membership(org_a, Role.NURSE)
    with pytest.raises(PermissionRequired):
        membership_update(
            actor=admin_a, membership_id=nurse.pk, roles=[Role.NURSE, Role.SYSTEM_ADMIN]
        )
    nurse.refresh_from_db()
    assert nurse.roles == [Role.NURSE]


def test_org_admin_cannot_change_a_system_admins_membership(
    admin_a, org_a, make_membership
) -> None:
    root = make_membership(org_a, Role.SYSTEM_ADMIN)
    with pytest.raises(PermissionRequired):
        membership_deactivate(actor=admin_a, membership_id=root.pk)
    root.refresh_from_db()
    assert root.is_active is True


def test_social_worker_cannot_change_memberships(org_a, make_membership, make_actor) -> None:
    nurse = make_membership(org_a, Role.NURSE)
    with pytest.raises(PermissionRequired):
        membership_update(
            actor=make_actor(org_a, Role.SOCIAL_WORKER), membership_id=nurse.pk, is_active=False
        )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"roles": [Role.SOCIAL_WORKER]}, "roles"),
        ({"roles": [Role.ORG_ADMIN, Role.AUDITOR]}, "roles"),
        ({"is_active": False}, "is_active"),
        ({"valid_until": timezone.localdate() - timedelta(days=1)}, "valid_until"),
        ({"valid_until": timezone.localdate() + timedelta(days=365)}, "valid_until"),
        ({"valid_from": timezone.localdate() - timedelta(days=90)}, "valid_from"),
    ],
)
def test_nobody_changes_their_own_roles_or_validity(admin_a, change, field) -> None:
    own = admin_a.membership
    own.valid_from = timezone.localdate() - timedelta(days=30)
    own.save()
    with pytest.raises(StaffError) as err:
        membership_update(actor=admin_a, membership_id=own.pk, **change)
    assert err.value.code == AccountErrorCode.OWN_MEMBERSHIP
    assert err.value.status == 403
    assert list(err.value.errors) == [field]
    assert "chiedi a un altro amministratore di farlo" in err.value.errors[field][0]
    own.refresh_from_db()
    assert (own.roles, own.is_active, own.valid_until) == ([Role.ORG_ADMIN], True, None)
    assert own.valid_from == timezone.localdate() - timedelta(days=30)


def test_own_deactivation_is_refused_too(admin_a) -> None:
    with pytest.raises(StaffError) as err:
        membership_deactivate(actor=admin_a, membership_id=admin_a.membership.pk)
    assert err.value.code == AccountErrorCode.OWN_MEMBERSHIP
    assert list(err.value.errors) == ["is_active"]


def test_a_system_admin_does_not_change_their_own_roles_either(system_admin) -> None:
    own = system_admin.membership
    with pytest.raises(StaffError) as err:
        membership_update(
            actor=system_admin, membership_id=own.pk, roles=[Role.ORG_ADMIN, Role.SYSTEM_ADMIN]
        )
    assert err.value.code == AccountErrorCode.OWN_MEMBERSHIP
    own.refresh_from_db()
    assert own.roles == [Role.SYSTEM_ADMIN]


def test_own_job_title_and_unchanged_roles_are_accepted(admin_a) -> None:
    own = admin_a.membership
    membership_update(
        actor=admin_a, membership_id=own.pk, roles=[Role.ORG_ADMIN], job_title="Responsabile"
    )
    own.refresh_from_db()
    assert (own.roles, own.job_title) == ([Role.ORG_ADMIN], "Responsabile")


def test_another_admin_may_remove_an_admin_role(admin_a, org_a, make_membership) -> None:
    other_admin = make_membership(org_a, Role.ORG_ADMIN)
    membership_update(actor=admin_a, membership_id=other_admin.pk, roles=[Role.AUDITOR])
    other_admin.refresh_from_db()
    assert other_admin.roles == [Role.AUDITOR]


def test_deactivate_keeps_the_row(admin_a, org_a, make_membership) -> None:
    nurse = make_membership(org_a, Role.NURSE)
    membership_deactivate(actor=admin_a, membership_id=nurse.pk)
    nurse.refresh_from_db()
    assert nurse.is_active is False
    assert not nurse.is_current()


# --- history -----------------------------------------------------------------------------------


def reasons(event_model, obj_id: int) -> list[tuple[str, str | None]]:
    events = (
        event_model.objects.filter(pgh_obj_id=obj_id)
        .select_related("pgh_context")
        .order_by("pgh_id")
    )
    return [
        (e.pgh_label, e.pgh_context.metadata.get("reason") if e.pgh_context else None)
        for e in events
    ]


def test_history_events_carry_the_reason(admin_a, org_b, make_membership) -> None:
    membership, _password = create(admin_a)
    membership_update(actor=admin_a, membership_id=membership.pk, job_title="Referente")
    membership_deactivate(actor=admin_a, membership_id=membership.pk)
    operator_password_change(user=membership.user, new_password="Una-nuova-password-42")
    other = make_membership(org_b, Role.NURSE)
    joined = membership_add(actor=admin_a, username=other.user.username, roles=[Role.UVM_MEMBER])

    assert reasons(MembershipEvent, membership.pk) == [
        ("insert", "operator_create"),
        ("update", "membership_update"),
        ("update", "membership_deactivate"),
    ]
    assert reasons(UserEvent, membership.user.pk) == [
        ("insert", "operator_create"),
        ("update", "password_change"),  # must_change_password cleared
    ]
    assert reasons(MembershipEvent, joined.pk) == [("insert", "membership_add")]


def test_password_change_ends_the_temporary_password(admin_a) -> None:
    membership, password = create(admin_a)
    user = membership.user
    operator_password_change(user=user, new_password="Una-nuova-password-42")
    user.refresh_from_db()
    assert user.must_change_password is False
    assert not user.check_password(password)
    assert user.check_password("Una-nuova-password-42")
