"""The care plan's pages (integra/careplans/views.py): each form valid, invalid (422, the service's
Italian message on its field) and stale (409, the operator's input kept, what changed listed);
the actions legal in each state; query counts that do not grow with the plan or the caseload;
the PDF's text."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from integra.careplans import services
from integra.careplans.models import CarePlan, CareTask, PlanGoal, PlanIntervention, PlanState
from integra.core.permissions import Role
from tests.careplans.conftest import fill
from tests.people.factories import CareRelationshipFactory, PersonFactory


def _login(client: Client, actor, *, second_factor: bool = False) -> Client:
    client.force_login(actor.membership.user)
    if second_factor:  # an administrative role passes the second factor (TOTP)
        from django_otp import DEVICE_ID_SESSION_KEY

        from tests.accounts.helpers import confirmed_device

        session = client.session
        session[DEVICE_ID_SESSION_KEY] = confirmed_device(actor.membership.user).persistent_id
        session.save()
    return client


def _hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, f"no hidden {name}"
    return match.group(1)


def _opened(client: Client, url: str) -> dict[str, str]:
    page = client.get(url).content.decode()
    return {"row_version": _hidden(page, "row_version"), "snapshot": _hidden(page, "snapshot")}


def _day(days: int = 0) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


GOAL = {
    "need_domain": "autonomia",
    "description": "Uscire di casa una volta a settimana",
    "indicator": "Uscite alla settimana",
    "baseline": "0",
    "target": "1",
    "deadline": "",
}


def test_the_plan_page_shows_the_next_action_and_the_sections(client, manager_b, plan, service):
    plan = fill(manager_b, plan, service)
    page = _login(client, manager_b).get(f"/progetti/{plan.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Verdi Giulia" in text
    assert f'href="/progetti/{plan.pk}/proponi/"' in text
    assert "Proponi il progetto alla persona" in text
    assert "Igiene personale in sicurezza" in text
    assert "Assistenza domiciliare integrata" in text
    # Not legal in a draft: sign, activate, start review.
    for code in ("firma", "attiva", "revisione"):
        assert f"/progetti/{plan.pk}/{code}/" not in text
    assert f"/progetti/{plan.pk}/chiudi/" in text  # under "Altre azioni"
    assert 'id="attivita"' in text


def test_the_uvm_session_page_opens_the_plan_then_links_to_it(client, manager_b, concluded_session):
    _login(client, manager_b)
    page = client.get(f"/valutazioni/uvm/{concluded_session.pk}/").content.decode()
    assert f"/progetti/nuovo/uvm/{concluded_session.pk}/" in page
    response = client.post(f"/progetti/nuovo/uvm/{concluded_session.pk}/")
    plan = CarePlan.objects.get(uvm_session=concluded_session)
    assert response.status_code == 302
    assert response["Location"] == f"/progetti/{plan.pk}/"
    page = client.get(f"/valutazioni/uvm/{concluded_session.pk}/").content.decode()
    assert f"/progetti/nuovo/uvm/{concluded_session.pk}/" not in page
    assert f'href="/progetti/{plan.pk}/"' in page


def test_a_plan_for_a_person_from_the_person_page(client, manager_b, person):
    _login(client, manager_b)
    assert (
        f"/progetti/nuovo/persona/{person.pk}/"
        in client.get(f"/persone/{person.pk}/").content.decode()
    )
    url = f"/progetti/nuovo/persona/{person.pk}/"
    invalid = client.post(url, {"kind": "progetto", "title": ""})
    assert invalid.status_code == 422
    assert "Dai un titolo al progetto." in invalid.content.decode()
    response = client.post(url, {"kind": "patto", "title": "Patto per la casa"})
    plan = CarePlan.objects.get(person=person, title="Patto per la casa")
    assert response["Location"] == f"/progetti/{plan.pk}/"
    assert plan.case_manager_id == manager_b.membership.pk


def test_goal_add_valid_invalid_and_stale(client, manager_b, plan):
    _login(client, manager_b)
    url = f"/progetti/{plan.pk}/obiettivi/nuovo/"
    opened = _opened(client, url)
    invalid = client.post(url, {**GOAL, **opened})
    assert invalid.status_code == 422
    assert "Indica la data." in invalid.content.decode()
    ok = client.post(url, {**GOAL, "deadline": _day(60), **opened})
    assert ok.status_code == 302
    assert PlanGoal.objects.filter(plan=plan, indicator="Uscite alla settimana").exists()
    # The same form sent again, on the version it was opened on: another edit came first.
    stale = client.post(
        url, {**GOAL, "description": "Fare la spesa", "deadline": _day(60), **opened}
    )
    assert stale.status_code == 409
    text = stale.content.decode()
    assert "Un altro operatore ha modificato il progetto" in text
    assert "Fare la spesa</textarea>" in text  # the operator's input kept
    assert "Obiettivo 1" in text  # what changed: the goal added meanwhile
    assert "Uscire di casa una volta a settimana" in text
    assert PlanGoal.objects.filter(plan=plan).count() == 1


def test_the_health_dimensions_only_for_health_staff(client, manager_b, doctor_b, plan):
    services.team_member_add(
        actor=manager_b,
        plan_id=plan.pk,
        data={"membership_id": doctor_b.membership.pk, "profession": "medico"},
        expected_version=plan.row_version,
    )
    social = _login(Client(), manager_b).get(f"/progetti/{plan.pk}/obiettivi/nuovo/")
    assert 'value="salute"' not in social.content.decode()
    health = _login(Client(), doctor_b).get(f"/progetti/{plan.pk}/obiettivi/nuovo/")
    assert 'value="salute"' in health.content.decode()


def test_plan_edit_stale_lists_what_changed(client, manager_b, plan):
    _login(client, manager_b)
    url = f"/progetti/{plan.pk}/modifica/"
    opened = _opened(client, url)
    data = {"kind": "pai", "title": plan.title, "strengths_person": "Sa cucinare", **opened}
    assert client.post(url, data).status_code == 302
    stale = client.post(url, {**data, "strengths_family": "La figlia la sera"})
    assert stale.status_code == 409
    text = stale.content.decode()
    assert "Risorse della persona" in text and "Sa cucinare" in text
    assert "La figlia la sera" in text


def test_intervention_shares_that_do_not_sum(client, manager_b, plan, service):
    _login(client, manager_b)
    url = f"/progetti/{plan.pk}/interventi/nuovo/"
    opened = _opened(client, url)
    data = {
        "service_id": service.pk,
        "starts_on": _day(),
        "monthly_cost": "600",
        "ssn_amount": "400",
        "comune_amount": "100",
        **opened,
    }
    invalid = client.post(url, data)
    assert invalid.status_code == 422
    text = invalid.content.decode()
    # integra/careplans/services.py: 400 + 100 + 0 + 0 = 500 ≠ 600.
    assert "devono fare il costo mensile (600.00 €)" in text
    assert "= 500.00 €" in text
    ok = client.post(url, {**data, "comune_amount": "200"})
    assert ok.status_code == 302
    item = PlanIntervention.objects.get(plan=plan)
    assert (item.ssn_amount, item.comune_amount) == (400, 200)


def test_the_life_of_a_plan_through_its_pages(client, manager_b, plan, service, person):
    plan = fill(manager_b, plan, service)
    _login(client, manager_b)
    url = f"/progetti/{plan.pk}/proponi/"
    assert client.post(url, {"note": "Prima versione", **_opened(client, url)}).status_code == 302
    plan.refresh_from_db()
    assert plan.state == PlanState.PROPOSED
    version = plan.versions.get()
    sign_url = f"/progetti/{plan.pk}/firma/"
    page = client.get(sign_url).content.decode()
    assert version.content_hash[:12] in page
    form = {
        **_opened(client, sign_url),
        "version_hash": version.content_hash,
        "signer_role": "persona",
        "method": "in_app",
        "signed_on": _day(),
    }
    # A scanned copy needs the document.
    bad = client.post(sign_url, {**form, "method": "scansione"})
    assert bad.status_code == 422
    assert "Allega prima la copia firmata" in bad.content.decode()
    assert client.post(sign_url, form).status_code == 302
    plan.refresh_from_db()
    assert plan.state == PlanState.SIGNED
    url = f"/progetti/{plan.pk}/attiva/"
    assert client.post(url, _opened(client, url)).status_code == 302
    url = f"/progetti/{plan.pk}/revisione/"
    assert client.post(url, _opened(client, url)).status_code == 422  # the reason is required
    assert client.post(url, {"reason": "Verifica", **_opened(client, url)}).status_code == 302
    plan.refresh_from_db()
    assert plan.state == PlanState.REVIEW
    page = client.get(f"/progetti/{plan.pk}/").content.decode()
    assert "Verdi Giulia (La persona)" in page
    assert version.content_hash[:12] in page


def test_a_guardian_signs(client, manager_b, plan, service, org_b):
    plan = fill(manager_b, plan, service)
    version = services.plan_propose(
        actor=manager_b, plan_id=plan.pk, expected_version=plan.row_version
    )
    guardian = PersonFactory(registered_by=org_b, family_names="Neri", given_names="Paolo")
    CareRelationshipFactory(person=guardian, organization=org_b)
    _login(client, manager_b)
    sign_url = f"/progetti/{plan.pk}/firma/"
    page = client.get(sign_url, {"firmatario": guardian.pk}).content.decode()
    assert "Neri Paolo" in page
    response = client.post(
        sign_url,
        {
            **_opened(client, sign_url),
            "version_hash": version.content_hash,
            "signer_role": "ads",
            "signer_id": guardian.pk,
            "method": "in_app",
        },
    )
    assert response.status_code == 302
    assert plan.signatures.get().signer_id == guardian.pk


def test_versions_side_by_side_and_the_pdf(client, manager_b, plan, service):
    from pypdf import PdfReader

    plan = fill(manager_b, plan, service)
    services.plan_propose(actor=manager_b, plan_id=plan.pk, expected_version=plan.row_version)
    plan.refresh_from_db()
    services.plan_rework(actor=manager_b, plan_id=plan.pk, expected_version=plan.row_version)
    plan.refresh_from_db()
    services.plan_update(
        actor=manager_b,
        plan_id=plan.pk,
        data={"person_commitments": "Partecipa al gruppo di cammino"},
        expected_version=plan.row_version,
    )
    plan.refresh_from_db()
    services.plan_propose(actor=manager_b, plan_id=plan.pk, expected_version=plan.row_version)
    _login(client, manager_b)
    page = client.get(f"/progetti/{plan.pk}/versioni/confronta/", {"da": 1, "a": 2})
    text = page.content.decode()
    assert "Impegni della persona" in text and "Partecipa al gruppo di cammino" in text
    assert client.get(f"/progetti/{plan.pk}/versioni/2/").status_code == 200
    response = client.get(f"/progetti/{plan.pk}/versioni/2/pdf")
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    pdf = " ".join((p.extract_text() or "") for p in reader.pages)
    pdf = " ".join(pdf.split())
    assert "Il tuo progetto n." in pdf
    assert "Verdi Giulia" in pdf
    assert "Igiene personale in sicurezza" in pdf
    assert "Partecipa al gruppo di cammino" in pdf
    assert reader.metadata.title.startswith("Il tuo progetto n.")
    assert client.get(f"/progetti/{plan.pk}/pdf")["Content-Type"] == "application/pdf"


def test_the_pdf_hides_health_goals_from_social_staff(client, manager_b, doctor_b, plan, service):
    from pypdf import PdfReader

    services.team_member_add(
        actor=manager_b,
        plan_id=plan.pk,
        data={"membership_id": doctor_b.membership.pk, "profession": "medico"},
        expected_version=plan.row_version,
    )
    plan.refresh_from_db()
    fill(manager_b, plan, service, health_actor=doctor_b)
    _login(client, manager_b)
    response = client.get(f"/progetti/{plan.pk}/pdf")
    pdf = " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "scompenso" not in pdf.lower()
    page = client.get(f"/progetti/{plan.pk}/").content.decode()
    assert "Nessun ricovero per scompenso" not in page
    assert "1 obiettivo sulle condizioni di salute non è mostrato" in page
    doctor = _login(Client(), doctor_b).get(f"/progetti/{plan.pk}/").content.decode()
    assert "Nessun ricovero per scompenso" in doctor


def test_team_tasks_and_my_tasks(client, manager_b, doctor_b, plan):
    _login(client, manager_b)
    url = f"/progetti/{plan.pk}/equipe/nuovo/"
    opened = _opened(client, url)
    assert client.post(url, {"profession": "medico", **opened}).status_code == 422
    assert (
        client.post(
            url, {"membership_id": doctor_b.membership.pk, "profession": "medico", **opened}
        ).status_code
        == 302
    )
    url = f"/progetti/{plan.pk}/attivita/nuova/"
    assert (
        client.post(url, {"assignee_id": doctor_b.membership.pk, "title": "Visita"}).status_code
        == 422
    )
    response = client.post(
        url,
        {"assignee_id": doctor_b.membership.pk, "title": "Visita a domicilio", "due_on": _day(3)},
    )
    assert response.status_code == 302
    task = CareTask.objects.get(plan=plan)
    doctor = _login(Client(), doctor_b)
    mine = doctor.get("/progetti/attivita/").content.decode()
    assert "Visita a domicilio" in mine and "Verdi Giulia" in mine
    assert (
        "Visita a domicilio"
        not in doctor.get("/progetti/attivita/", {"scadute": "on"}).content.decode()
    )
    assert (
        doctor.post(
            f"/progetti/attivita/{task.pk}/chiudi/", {"done": "1", "back": "mie"}
        ).status_code
        == 302
    )
    task.refresh_from_db()
    assert task.state == "fatto"
    member = plan.team.get()
    url = f"/progetti/{plan.pk}/equipe/{member.pk}/esce/"
    opened = _opened(client, url)
    assert client.post(url, opened).status_code == 422
    assert client.post(url, {"reason": "Trasferito", **opened}).status_code == 302


def test_handover_and_caseload(client, manager_b, plan, org_b, make_actor):
    other = make_actor(org_b, Role.CASE_MANAGER)
    _login(client, manager_b)
    caseload = client.get("/progetti/casi/").content.decode()
    assert plan.title in caseload
    url = f"/progetti/{plan.pk}/case-manager/"
    opened = _opened(client, url)
    assert client.post(url, {"membership_id": other.membership.pk, **opened}).status_code == 422
    response = client.post(
        url, {"membership_id": other.membership.pk, "reason": "Congedo", **opened}
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.case_manager_id == other.membership.pk
    assert plan.title not in client.get("/progetti/casi/").content.decode()


def test_bulk_reassignment_by_the_org_admin(client, manager_b, plan, org_b, make_actor):
    # The organisation's administrator alone sees no person (no PERSON_VIEW): the caseload of
    # an operator is read by an administrator who also manages cases.
    admin = make_actor(org_b, Role.ORG_ADMIN, Role.CASE_MANAGER)
    other = make_actor(org_b, Role.CASE_MANAGER)
    assert _login(Client(), manager_b).get("/progetti/casi/riassegna/").status_code == 403
    _login(client, admin, second_factor=True)
    response = client.get("/progetti/casi/", {"operatore": manager_b.membership.pk})
    assert response.status_code == 200, response.get("Location")
    page = response.content.decode()
    assert plan.title in page
    assert (
        client.post(
            "/progetti/casi/riassegna/", {"from_membership_id": manager_b.membership.pk}
        ).status_code
        == 422
    )
    response = client.post(
        "/progetti/casi/riassegna/",
        {
            "from_membership_id": manager_b.membership.pk,
            "to_membership_ids": [other.membership.pk],
            "reason": "Congedo di maternità",
        },
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.case_manager_id == other.membership.pk


def test_another_organisations_plan_is_like_a_missing_one(client, plan, org_a, make_actor):
    outsider = make_actor(org_a, Role.CASE_MANAGER)
    _login(client, outsider)
    for path in ("", "modifica/", "versioni/", "pdf", "obiettivi/nuovo/"):
        assert client.get(f"/progetti/{plan.pk}/{path}").status_code == 404
        assert client.get(f"/progetti/999999/{path}").status_code == 404


def _plan_with(manager, plan, service, n: int):
    """``n`` goals, interventions and tasks on the plan."""
    from integra.careplans.models import CareTask

    for i in range(n):
        goal = PlanGoal.objects.create(
            plan=plan,
            need_domain="autonomia",
            description=f"Obiettivo {i}",
            indicator="x",
            target="y",
            deadline=timezone.localdate(),
        )
        PlanIntervention.objects.create(
            plan=plan,
            goal=goal,
            service=service,
            provider=service.provider,
            starts_on=timezone.localdate(),
            monthly_cost=10,
            ssn_amount=10,
        )
        CareTask.objects.create(
            plan=plan,
            assignee=manager.membership,
            title=f"Attività {i}",
            due_on=timezone.localdate(),
            created_by=manager.membership,
        )


@pytest.mark.parametrize("n", [1, 8])
def test_the_plan_page_query_count_does_not_grow(
    client, manager_b, plan, service, n, django_assert_max_num_queries
):
    _plan_with(manager_b, plan, service, n)
    _login(client, manager_b)
    with django_assert_max_num_queries(20):
        assert client.get(f"/progetti/{plan.pk}/").status_code == 200


@pytest.mark.parametrize("n", [1, 8])
def test_the_caseload_query_count_does_not_grow(
    client, manager_b, person, org_b, service, n, django_assert_max_num_queries
):
    for i in range(n):
        p = services.plan_create(actor=manager_b, person_id=person.pk, data={"title": f"Caso {i}"})
        _plan_with(manager_b, p, service, 2)
    _login(client, manager_b)
    with django_assert_max_num_queries(10):  # with the capped count of the pages
        page = client.get("/progetti/casi/")
    assert page.content.decode().count("Caso ") == n


def test_the_outcome_of_a_goal_while_the_plan_is_active(client, manager_b, plan, service):
    plan = fill(manager_b, plan, service)
    services.plan_propose(actor=manager_b, plan_id=plan.pk, expected_version=plan.row_version)
    plan.refresh_from_db()
    services.plan_sign(actor=manager_b, plan_id=plan.pk, data={}, expected_version=plan.row_version)
    plan.refresh_from_db()
    services.plan_activate(actor=manager_b, plan_id=plan.pk, expected_version=plan.row_version)
    goal = plan.goals.get()
    _login(client, manager_b)
    url = f"/progetti/{plan.pk}/obiettivi/{goal.pk}/"
    opened = _opened(client, url)
    response = client.post(
        url,
        {
            "outcome": "raggiunto",
            "outcome_notes": "Due bagni a settimana",
            "description": "Altro",
            **opened,
        },
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    # Only the outcome is recorded while the plan is in force; the goal itself stays.
    assert (goal.outcome, goal.description) == ("raggiunto", "Igiene personale in sicurezza")


def test_the_pua_request_page_opens_a_plan_for_a_simple_need(client, person, org_b, make_actor):
    from tests.intake.factories import IntakeRequestFactory

    # The PUA's social worker, who also manages cases, reads the request.
    desk = make_actor(org_b, Role.PUA_OPERATOR, Role.CASE_MANAGER)
    request = IntakeRequestFactory(person=person, pua__organization=org_b)
    _login(client, desk)
    page = client.get(f"/pua/richieste/{request.pk}/").content.decode()
    url = f"/progetti/nuovo/persona/{person.pk}/?richiesta={request.pk}"
    assert url in page
    form = client.get(url).content.decode()
    assert f'name="intake_request_id" value="{request.pk}"' in form
    response = client.post(
        url,
        {"kind": "progetto", "title": "Sostegno a domicilio", "intake_request_id": request.pk},
    )
    plan = CarePlan.objects.get(title="Sostegno a domicilio")
    assert plan.intake_request_id == request.pk
    assert response["Location"] == f"/progetti/{plan.pk}/"
    assert (
        f'href="/progetti/{plan.pk}/"'
        in client.get(f"/pua/richieste/{request.pk}/").content.decode()
    )
