"""A concluded UVM session of a person registered by the ASST (org_b), with a Comune (org_a)
member: the start of a care plan (seed 002 rule 5 and 6)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from integra.assessments import uvm
from integra.careplans import services
from integra.core.permissions import Role
from tests.factories import ServiceFactory
from tests.people.factories import CareRelationshipFactory, PersonFactory

NEEDS = {
    "autonomia": "Dipendente nel bagno e nella vestizione.",
    "rete": "Figlia convivente, lavora a tempo pieno.",
    "salute": "Scompenso cardiaco, BPCO.",
}


@pytest.fixture
def person(org_b):
    person = PersonFactory(registered_by=org_b, family_names="Verdi", given_names="Giulia")
    CareRelationshipFactory(person=person, organization=org_b)
    return person


@pytest.fixture
def doctor_b(org_b, make_actor):
    return make_actor(org_b, Role.DOCTOR, Role.UVM_MEMBER)


@pytest.fixture
def manager_b(org_b, make_actor):
    return make_actor(org_b, Role.CASE_MANAGER)


@pytest.fixture
def concluded_session(doctor_b, manager_b, person, org_a, org_b):
    when = timezone.now() - timedelta(hours=2)
    session = uvm.session_create(
        actor=doctor_b, data={"person_id": person.pk, "scheduled_for": when, "place": "CdC"}
    )
    for org, profession in ((org_b, "medico"), (org_a, "assistente_sociale")):
        uvm.member_add(
            actor=doctor_b,
            session_id=session.pk,
            data={"organization_id": org.pk, "full_name": "Componente", "profession": profession},
        )
    return uvm.session_conclude(
        actor=doctor_b,
        session_id=session.pk,
        data={
            "needs_summary": NEEDS,
            "user_class": "alto_carico_bassa_dinamicita",
            "care_intensity": "alta",
            "proposed_case_manager_id": manager_b.membership.pk,
        },
    )


@pytest.fixture
def service(org_b):
    return ServiceFactory(provider=org_b, name="Assistenza domiciliare integrata")


@pytest.fixture
def plan(manager_b, concluded_session):
    return services.plan_create_from_uvm(actor=manager_b, session_id=concluded_session.pk, data={})


def fill(actor, plan, service, *, health_actor=None):
    """Strengths, one social goal (and one health goal), one intervention: ready to propose."""
    plan = services.plan_update(
        actor=actor,
        plan_id=plan.pk,
        data={"strengths_person": "Vuole restare a casa; cucina ancora da sola."},
        expected_version=plan.row_version,
    )
    goal = services.goal_add(
        actor=actor,
        plan_id=plan.pk,
        data={
            "need_domain": "autonomia",
            "description": "Igiene personale in sicurezza",
            "indicator": "Bagni assistiti alla settimana",
            "baseline": "0",
            "target": "2",
            "deadline": (timezone.localdate() + timedelta(days=90)).isoformat(),
        },
        expected_version=plan.row_version,
    )
    plan.refresh_from_db()
    if health_actor is not None:
        services.goal_add(
            actor=health_actor,
            plan_id=plan.pk,
            data={
                "need_domain": "salute",
                "description": "Nessun ricovero per scompenso",
                "indicator": "Ricoveri in sei mesi",
                "baseline": "2",
                "target": "0",
                "deadline": (timezone.localdate() + timedelta(days=180)).isoformat(),
            },
            expected_version=plan.row_version,
        )
        plan.refresh_from_db()
    services.intervention_add(
        actor=actor,
        plan_id=plan.pk,
        data={
            "service_id": service.pk,
            "goal_id": goal.pk,
            "frequency": "due accessi a settimana",
            "starts_on": timezone.localdate().isoformat(),
            "monthly_cost": "600.00",
            "ssn_amount": "600.00",
        },
        expected_version=plan.row_version,
    )
    plan.refresh_from_db()
    return plan


__all__ = ["NEEDS", "datetime", "fill"]
