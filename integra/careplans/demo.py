"""Demo data of the care plans (DEMO ONLY): one plan in force for a person the demo PUA received,
made through the services — held by the Comune's social worker as case manager, with the ASST's
nurse in the team, a task overdue for the nurse and one to come for the social worker, a review
due next month — so that the desks, the caseload and "my tasks" have work in them. The
concluded UVM session of the demo stays without a plan: a new user opens it from there.

Runs after the PUA's and the UVM's demo; running again converges (nothing when a plan exists).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from integra.accounts.models import Membership
from integra.assessments.uvm_models import UvmSession
from integra.careplans import services
from integra.careplans.models import CarePlan, CareTask
from integra.core.access import Actor
from integra.intake.models import IntakeRequest, IntakeState
from integra.organizations.models import Service
from integra.people.models import CareBasis
from integra.people.services import care_relationship_start

_SOCIAL = ("assistente.sociale", "comune-san-giuliano-milanese")
_NURSE = ("infermiere", "asst-melegnano-martesana")


def _membership(username: str, code: str) -> Membership | None:
    return (
        Membership.objects.filter(user__username=username, organization__code=code)
        .select_related("user", "organization")
        .first()
    )


def seed_careplans_demo() -> int:
    """One plan in force, if there is none yet; returns how many plans were made."""
    social, nurse = _membership(*_SOCIAL), _membership(*_NURSE)
    if social is None or nurse is None or CarePlan.objects.exists():
        return 0
    request = (
        IntakeRequest.objects.exclude(state=IntakeState.SENT_TO_UVM)
        .exclude(person_id__in=UvmSession.objects.values("person_id"))
        .order_by("person__birth_date", "received_at", "pk")  # the oldest person: an elder's plan
        .first()
    )
    home_care = Service.objects.filter(name="Servizio di assistenza domiciliare (SAD)").first()
    if request is None or home_care is None:
        return 0
    actor = Actor.for_membership(social.user, social)
    today = timezone.localdate()
    with transaction.atomic():
        # The Comune's PUA desk (which sees the registry) records that the Comune's social
        # service takes the person in charge: the one path that gives an organisation access.
        pua = _membership("operatore.pua", social.organization.code)
        if pua is None:
            return 0
        care_relationship_start(
            actor=Actor.for_membership(pua.user, pua),
            person_id=request.person_id,
            reason="Presa in carico del servizio sociale (dati dimostrativi)",
            basis=CareBasis.OWN,
            existing_ok=True,
        )
        plan = services.plan_create(
            actor=actor,
            person_id=request.person_id,
            data={
                "kind": "patto",
                "title": "Sostegno a domicilio e sollievo per la figlia",
                "strengths_person": "Vuole restare a casa sua; cucina ancora da sola e segue "
                "le terapie con ordine.",
                "strengths_family": "La figlia passa ogni sera; il nipote è disponibile il sabato.",
                "strengths_community": "La parrocchia organizza un gruppo di cammino il martedì.",
                "person_commitments": "Partecipare al gruppo di cammino una volta a settimana; "
                "tenere il diario delle cadute.",
                "review_months": 6,
            },
        )

        def version() -> int:
            plan.refresh_from_db()
            return plan.row_version

        goal = services.goal_add(
            actor=actor,
            plan_id=plan.pk,
            data={
                "need_domain": "autonomia",
                "description": "Igiene personale in sicurezza",
                "indicator": "Bagni assistiti alla settimana",
                "baseline": "0",
                "target": "2",
                "deadline": (today + timedelta(days=120)).isoformat(),
            },
            expected_version=version(),
        )
        services.intervention_add(
            actor=actor,
            plan_id=plan.pk,
            data={
                "service_id": home_care.pk,
                "goal_id": goal.pk,
                "frequency": "Due accessi a settimana di un'ora e mezza",
                "hours_per_month": "13",
                "starts_on": (today - timedelta(days=160)).isoformat(),
                "monthly_cost": "286.00",
                "comune_amount": "214.50",
                "person_amount": "71.50",
                "cost_basis": [
                    "Servizio sociale: nessuna quota SSN (DPCM 12/1/2017, prestazione sociale)",
                    "Quota della persona dal regolamento comunale ISEE (dati dimostrativi)",
                ],
            },
            expected_version=version(),
        )
        services.team_member_add(
            actor=actor,
            plan_id=plan.pk,
            data={
                "membership_id": nurse.pk,
                "profession": "infermiere",
                "responsibilities": "Controllo dei parametri e delle medicazioni a domicilio",
            },
            expected_version=version(),
        )
        services.plan_propose(
            actor=actor, plan_id=plan.pk, note="Prima proposta", expected_version=version()
        )
        services.plan_sign(actor=actor, plan_id=plan.pk, data={}, expected_version=version())
        services.plan_activate(
            actor=actor,
            plan_id=plan.pk,
            starts_on=today - timedelta(days=160),
            expected_version=version(),
        )
        overdue = services.task_create(
            actor=actor,
            plan_id=plan.pk,
            data={
                "assignee_id": nurse.pk,
                "title": "Visita domiciliare: controllo della medicazione",
                "due_on": today,
            },
        )
        # Due two days ago (a task cannot be created already late: the demo moves it back).
        CareTask.objects.filter(pk=overdue.pk).update(due_on=today - timedelta(days=2))
        services.task_create(
            actor=actor,
            plan_id=plan.pk,
            data={
                "assignee_id": social.pk,
                "title": "Colloquio con la figlia sul sollievo",
                "due_on": today + timedelta(days=3),
            },
        )
    return 1
