"""integra/accounts/staff_views.py — the staff pages, and the password change the login asks of an
operator holding a temporary password."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from integra.accounts.models import Membership, User
from integra.accounts.services import operator_create
from integra.audit.models import AccessAction, AccessLog
from integra.core.access import Actor
from integra.core.permissions import Role
from integra.organizations.models import Unit
from tests.accounts.helpers import confirmed_device
from tests.factories import MembershipFactory

LIST = "/account/operatori/"
CREATE = "/account/operatori/nuovo/"
ADD = "/account/operatori/aggiungi/"
PASSWORD = "/account/password/"


def edit_url(membership: Membership) -> str:
    return f"/account/operatori/{membership.pk}/"


def login(client: Client, membership: Membership) -> Client:
    """A logged-in session; an administrative one has passed the second factor (TOTP)."""
    client.force_login(membership.user)
    if set(membership.roles) & {Role.ORG_ADMIN, Role.SYSTEM_ADMIN}:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = confirmed_device(membership.user).persistent_id
        session.save()
    return client


def html_of(response) -> str:
    return response.content.decode()


@pytest.fixture
def admin_client(client, org_admin) -> Client:
    return login(client, org_admin)


def new_operator_data(**overrides) -> dict:
    return {
        "username": "lbianchi",
        "first_name": "Laura",
        "last_name": "Bianchi",
        "email": "",
        "fiscal_code": "",
        "roles": [Role.SOCIAL_WORKER],
        "unit": "",
        "job_title": "",
        "valid_from": "",
        "valid_until": "",
        **overrides,
    }


# --- URLs and navigation -----------------------------------------------------------------------


@pytest.mark.django_db
def test_url_names() -> None:
    assert reverse("accounts:staff_list") == LIST
    assert reverse("accounts:staff_create") == CREATE
    assert reverse("accounts:staff_add_existing") == ADD
    assert reverse("accounts:staff_edit", args=[7]) == "/account/operatori/7/"
    assert reverse("accounts:password_change") == PASSWORD


def test_navigation_link_follows_staff_view(client, org_a, social_worker, make_membership) -> None:
    link = f'href="{LIST}"'
    assert link in html_of(login(client, social_worker).get("/"))
    # A member of the steering committee does not hold STAFF_VIEW (integra/core/permissions.py).
    steering = make_membership(org_a, Role.STEERING_MEMBER)
    assert link not in html_of(login(Client(), steering).get("/"))


# --- list ---------------------------------------------------------------------------------------


def test_social_worker_sees_the_staff_of_their_organisation_only(
    client, org_a, org_b, social_worker, make_membership
) -> None:
    make_membership(org_a, Role.NURSE, user__last_name="Verdi", job_title="Infermiera")
    make_membership(org_b, Role.DOCTOR, user__last_name="Estraneo")
    response = login(client, social_worker).get(LIST)
    assert response.status_code == 200
    html = html_of(response)
    assert "<h1>Operatori" in html and "Comune di Alfa" in html
    assert "Verdi Maria" in html and "Infermiera" in html and "Infermiere" in html
    assert "Estraneo" not in html
    assert "2 appartenenze" in html
    assert '<th scope="col">Ruoli</th>' in html
    # Seeing is not changing: no links to the forms.
    assert CREATE not in html and "Modifica" not in html
    # The list itself is recorded in the access log.
    entry = AccessLog.objects.get(action=AccessAction.LIST, subject_type="accounts.membership")
    assert entry.detail["rows"] == 2 and entry.detail["via"] == "web"


def test_list_filters_by_role_and_state(client, org_a, org_admin, make_membership) -> None:
    make_membership(org_a, Role.NURSE, user__last_name="Verdi")
    make_membership(org_a, Role.DOCTOR, user__last_name="Neri", is_active=False)
    admin = login(client, org_admin)

    html = html_of(admin.get(LIST, {"ruolo": Role.NURSE}))
    assert "Verdi" in html and "Neri" not in html

    html = html_of(admin.get(LIST, {"stato": "non_attive"}))
    assert "Neri" in html and "Verdi" not in html and "Disattivata" in html

    html = html_of(admin.get(LIST, {"stato": "attive"}))
    assert "Verdi" in html and "Neri" not in html


def test_list_paginates(client, org_a, org_admin) -> None:
    MembershipFactory.create_batch(30, organization=org_a, roles=[Role.NURSE])
    admin = login(client, org_admin)
    first = html_of(admin.get(LIST))
    assert "31 appartenenze" in first and "Pagina 1 di 2" in first
    second = html_of(admin.get(LIST, {"pagina": 2}))
    assert "Pagina 2 di 2" in second
    assert second.count('<th scope="row">') == 6


def test_list_query_count_does_not_grow_with_rows(
    client, org_a, org_admin, django_assert_max_num_queries
) -> None:
    admin = login(client, org_admin)
    unit = Unit.objects.create(organization=org_a, name="Segretariato sociale")
    MembershipFactory.create_batch(3, organization=org_a, unit=unit, roles=[Role.NURSE])
    admin.get(LIST)  # warm caches (content types, sessions)
    with django_assert_max_num_queries(22) as few:
        assert admin.get(LIST).status_code == 200
    MembershipFactory.create_batch(30, organization=org_a, unit=unit, roles=[Role.NURSE])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert admin.get(LIST).status_code == 200


def test_org_admin_asking_for_another_organisation_gets_404(client, org_b, org_admin) -> None:
    assert login(client, org_admin).get(LIST, {"ente": org_b.pk}).status_code == 404


def test_system_admin_lists_any_organisation(client, org_a, org_b, make_membership) -> None:
    root = make_membership(org_a, Role.SYSTEM_ADMIN)
    make_membership(org_b, Role.DOCTOR, user__last_name="Estraneo")
    html = html_of(login(client, root).get(LIST, {"ente": org_b.pk}))
    assert "ASST Beta" in html and "Estraneo" in html
    assert f"{CREATE}?ente={org_b.pk}" in html


# --- permissions ----------------------------------------------------------------------------


def test_social_worker_may_not_open_or_post_the_forms(
    client, org_a, social_worker, make_membership
) -> None:
    nurse = make_membership(org_a, Role.NURSE)
    worker = login(client, social_worker)
    for response in (
        worker.get(CREATE),
        worker.post(CREATE, new_operator_data()),
        worker.get(ADD),
        worker.get(edit_url(nurse)),
        worker.post(edit_url(nurse), {"roles": [Role.DOCTOR], "is_active": "on"}),
        worker.post(f"{edit_url(nurse)}disattiva/"),
    ):
        assert response.status_code == 403
        assert "Accesso non consentito" in html_of(response)
    nurse.refresh_from_db()
    assert (nurse.roles, nurse.is_active) == ([Role.NURSE], True)
    assert not User.objects.filter(username="lbianchi").exists()


def test_org_admin_of_a_cannot_see_or_change_bs_memberships(
    admin_client, org_b, make_membership
) -> None:
    nurse_b = make_membership(org_b, Role.NURSE)
    assert admin_client.get(edit_url(nurse_b)).status_code == 404
    response = admin_client.post(edit_url(nurse_b), {"roles": [Role.DOCTOR], "is_active": "on"})
    assert response.status_code == 404
    assert admin_client.post(f"{edit_url(nurse_b)}disattiva/").status_code == 404
    nurse_b.refresh_from_db()
    assert (nurse_b.roles, nurse_b.is_active) == ([Role.NURSE], True)


def test_admin_pages_need_the_second_factor(client, org_admin) -> None:
    client.force_login(org_admin.user)
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/2fa/setup/")


# --- create ------------------------------------------------------------------------------------


def test_create_form_is_accessible_and_offers_roles_in_italian(admin_client) -> None:
    html = html_of(admin_client.get(CREATE))
    assert re.search(r'<fieldset class="mb-4" aria-describedby="id_roles_helptext">', html)
    assert '<legend class="form-label fw-semibold fs-6">Ruoli' in html
    assert '<label for="id_roles_1">Assistente sociale</label>' in html
    assert '<label for="id_username"' in html and '<label for="id_fiscal_code"' in html
    # Only a system admin may grant the system-admin role: not even offered here.
    assert 'value="system_admin"' not in html
    assert 'value="org_admin"' in html


def test_system_admin_is_offered_the_system_admin_role(client, org_a, make_membership) -> None:
    root = make_membership(org_a, Role.SYSTEM_ADMIN)
    assert 'value="system_admin"' in html_of(login(client, root).get(CREATE))


def test_create_shows_the_temporary_password_once(admin_client, org_a) -> None:
    response = admin_client.post(CREATE, new_operator_data(fiscal_code="rssmra80a01f205x"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    html = html_of(response)
    match = re.search(r'id="temporary-password"[^>]*value="([^"]+)"', html)
    assert match is not None
    user = User.objects.get(username="lbianchi")
    assert user.check_password(match.group(1))
    assert user.must_change_password and user.fiscal_code == "RSSMRA80A01F205X"
    assert user.memberships.get().organization == org_a
    # The list does not show it again.
    assert match.group(1) not in html_of(admin_client.get(LIST))


def test_duplicate_username_is_explained_and_nothing_is_saved(
    admin_client, org_a, make_membership
) -> None:
    make_membership(org_a, Role.NURSE, user__username="lbianchi")
    users, memberships = User.objects.count(), Membership.objects.count()
    response = admin_client.post(CREATE, new_operator_data(username="LBianchi"))
    assert response.status_code == 200
    html = html_of(response)
    assert "Il nome utente «LBianchi» è già in uso" in html
    assert "Non è stato salvato nulla" in html
    # The input is marked and tied to its message.
    assert re.search(r'<input[^>]*name="username"[^>]*aria-invalid="true"', html)
    assert re.search(
        r'<input[^>]*name="username"[^>]*aria-describedby="[^"]*id_username_error', html
    )
    assert 'id="id_username_error"' in html
    assert (User.objects.count(), Membership.objects.count()) == (users, memberships)


def test_missing_roles_are_reported_on_the_fieldset(admin_client) -> None:
    html = html_of(admin_client.post(CREATE, new_operator_data(roles=[])))
    assert 'aria-describedby="id_roles_helptext id_roles_error"' in html
    assert "Scegli almeno un ruolo." in html
    assert '<a href="#id_roles_0">Ruoli</a>' in html
    assert not User.objects.filter(username="lbianchi").exists()


def test_posting_the_system_admin_role_as_org_admin_is_refused(admin_client) -> None:
    response = admin_client.post(CREATE, new_operator_data(roles=[Role.SYSTEM_ADMIN]))
    assert response.status_code == 200
    assert "Ruolo non previsto: «system_admin»." in html_of(response)
    assert not User.objects.filter(username="lbianchi").exists()


# --- add an existing operator ----------------------------------------------------------------


def test_add_existing_operator(admin_client, org_a, org_b, make_membership) -> None:
    nurse_b = make_membership(org_b, Role.NURSE, user__username="gverdi")
    response = admin_client.post(
        ADD, {"username": "gverdi", "roles": [Role.UVM_MEMBER], "unit": "", "job_title": ""}
    )
    assert response.status_code == 302 and response["Location"] == LIST
    assert nurse_b.user.memberships.get(organization=org_a).roles == [Role.UVM_MEMBER]
    assert "ora fa parte di Comune di Alfa" in html_of(admin_client.get(LIST))


def test_add_unknown_operator_is_explained(admin_client) -> None:
    response = admin_client.post(ADD, {"username": "nessuno", "roles": [Role.UVM_MEMBER]})
    assert response.status_code == 200
    assert "Nessun operatore ha il nome utente «nessuno»" in html_of(response)


# --- edit ----------------------------------------------------------------------------------------


def test_edit_changes_roles_unit_and_validity(admin_client, org_a, org_b, make_membership):
    nurse = make_membership(org_a, Role.SOCIAL_WORKER)
    unit = Unit.objects.create(organization=org_a, name="Cure domiciliari")
    Unit.objects.create(organization=org_b, name="Unità di un altro ente")
    page = html_of(admin_client.get(edit_url(nurse)))
    assert "Cure domiciliari" in page and "Unità di un altro ente" not in page
    assert 'value="social_worker" class="form-check-input" id="id_roles_1" checked' in page

    response = admin_client.post(
        edit_url(nurse),
        {
            "roles": [Role.SOCIAL_WORKER, Role.UVM_MEMBER],
            "unit": unit.pk,
            "job_title": "Infermiere di famiglia",
            "valid_from": "2026-01-01",
            "valid_until": "2026-12-31",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    nurse.refresh_from_db()
    assert nurse.roles == [Role.SOCIAL_WORKER, Role.UVM_MEMBER]
    assert nurse.unit == unit and nurse.job_title == "Infermiere di famiglia"
    assert str(nurse.valid_until) == "2026-12-31"


def test_edit_refuses_a_unit_of_another_organisation(admin_client, org_a, org_b, make_membership):
    nurse = make_membership(org_a, Role.NURSE)
    foreign = Unit.objects.create(organization=org_b, name="Altrove")
    response = admin_client.post(
        edit_url(nurse), {"roles": [Role.NURSE], "unit": foreign.pk, "is_active": "on"}
    )
    assert response.status_code == 200
    assert "Scegli una delle unità organizzative dell&#x27;ente." in html_of(response)
    nurse.refresh_from_db()
    assert nurse.unit is None


def test_own_roles_are_shown_but_not_changed(admin_client, org_admin) -> None:
    page = html_of(admin_client.get(edit_url(org_admin)))
    assert "È la tua appartenenza: solo un altro amministratore può cambiarlo." in page
    # The fields are disabled: what is posted for them is ignored, the job title is saved.
    response = admin_client.post(
        edit_url(org_admin), {"roles": [Role.SOCIAL_WORKER], "job_title": "Responsabile"}
    )
    assert response.status_code == 302
    org_admin.refresh_from_db()
    assert (org_admin.roles, org_admin.is_active) == ([Role.ORG_ADMIN], True)
    assert org_admin.job_title == "Responsabile"

    response = admin_client.post(f"{edit_url(org_admin)}disattiva/", follow=True)
    assert "Non puoi disattivare la tua appartenenza" in html_of(response)
    org_admin.refresh_from_db()
    assert org_admin.is_active is True


def test_system_admins_membership_is_read_only_for_an_org_admin(
    admin_client, org_a, make_membership
) -> None:
    root = make_membership(org_a, Role.SYSTEM_ADMIN)
    html = html_of(admin_client.get(edit_url(root)))
    assert "Solo un amministratore di sistema può modificare" in html
    assert 'name="roles"' not in html
    response = admin_client.post(edit_url(root), {"roles": [Role.AUDITOR], "is_active": "on"})
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.roles == [Role.SYSTEM_ADMIN]


def test_deactivate(admin_client, org_a, make_membership) -> None:
    nurse = make_membership(org_a, Role.NURSE)
    response = admin_client.post(f"{edit_url(nurse)}disattiva/")
    assert response.status_code == 302
    nurse.refresh_from_db()
    assert nurse.is_active is False


# --- temporary password and first login ------------------------------------------------------


def test_temporary_password_works_once_and_forces_a_change(org_a, make_membership) -> None:
    admin = make_membership(org_a, Role.ORG_ADMIN)
    membership, temporary = operator_create(
        actor=Actor.for_membership(admin.user, admin),
        username="lbianchi",
        first_name="Laura",
        last_name="Bianchi",
        roles=[Role.SOCIAL_WORKER],
    )
    browser = Client()
    response = browser.post(
        "/account/login/?next=/territorio/",
        {"username": "lbianchi", "password": temporary, "next": "/territorio/"},
    )
    # The login sends the operator to choose a password, then to where they were going.
    assert response.status_code == 302
    assert response["Location"] == f"{PASSWORD}?next={quote('/territorio/', safe='')}"
    page = html_of(browser.get(response["Location"]))
    assert "Stai usando una password temporanea" in page
    assert '<input type="hidden" name="next" value="/territorio/">' in page

    new_password = "Primavera-Lombarda-2026"
    response = browser.post(
        PASSWORD,
        {
            "old_password": temporary,
            "new_password1": new_password,
            "new_password2": new_password,
            "next": "/territorio/",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/territorio/"
    user = User.objects.get(pk=membership.user_id)
    assert user.must_change_password is False
    # Still logged in after the change (the session follows the new password).
    assert browser.get("/account/profile/").status_code == 200

    # The temporary password no longer opens the door; the new one does, with no detour.
    refused = Client().post("/account/login/", {"username": "lbianchi", "password": temporary})
    assert refused.status_code == 200
    assert "Nome utente o password non corretti" in html_of(refused)
    accepted = Client().post("/account/login/", {"username": "lbianchi", "password": new_password})
    assert accepted.status_code == 302 and accepted["Location"] == "/"


def test_password_change_rejects_a_wrong_current_password(client, social_worker) -> None:
    response = login(client, social_worker).post(
        PASSWORD,
        {
            "old_password": "non-è-questa",
            "new_password1": "Primavera-Lombarda-2026",
            "new_password2": "Primavera-Lombarda-2026",
        },
    )
    assert response.status_code == 200
    assert "La password attuale non è corretta" in html_of(response)


def test_a_temporary_password_opens_nothing_but_the_change_page(org_a, make_membership) -> None:
    """Clicking away from the change page, or calling the API with the session, is refused."""
    admin = make_membership(org_a, Role.ORG_ADMIN)
    _, temporary = operator_create(
        actor=Actor.for_membership(admin.user, admin),
        username="gverdi",
        first_name="Giulia",
        last_name="Verdi",
        roles=[Role.SOCIAL_WORKER],
    )
    browser = Client()
    browser.post("/account/login/", {"username": "gverdi", "password": temporary})
    response = browser.get("/enti/servizi/")
    assert response.status_code == 302
    assert response["Location"] == f"{PASSWORD}?next={quote('/enti/servizi/', safe='')}"
    assert browser.get(PASSWORD).status_code == 200
    api = browser.get("/api/v1/me")
    assert api.status_code == 403
    assert api.json()["code"] == "password_change_required"
