"""Demo data of the PUA (DEMO ONLY): the PUAs of the demo territory and a few requests in every
state, received through the services (so deadlines, timeline and history are real).

Needs the demo organisations and operators (``integra.organizations.demo``); requests need
persons resident in the demo territory (the synthetic population of ``seed_demo --persons``):
without them only the PUAs are created. Running again converges: PUAs are keyed by name and
requests are created only for a PUA that has none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from integra.accounts.models import Membership
from integra.core.access import Actor
from integra.core.permissions import Role
from integra.intake.models import IntakeRequest, IntakeState, PuaPoint
from integra.intake.services import request_create, triage_record
from integra.intake.workflow import transition
from integra.organizations.demo import demo_territory_find
from integra.organizations.models import Organization, Service
from integra.people.access import current_consent
from integra.people.models import (
    ConsentEvidence,
    ConsentPurpose,
    ConsentStatus,
    Person,
    PersonStatus,
)
from integra.people.services import consent_record

PUA_SOUTH_EAST = "PUA Casa di Comunità San Giuliano Milanese"
PUA_PIOLTELLO = "PUA Casa di Comunità Pioltello"

_COMPLEX = {
    "health_need": "complex",
    "social_need": "complex",
    "autonomy": "dependent",
    "support_network": "insufficient",
    "urgency": "weeks",
}
_SIMPLE = {
    "health_need": "none",
    "social_need": "simple",
    "autonomy": "autonomous",
    "support_network": "adequate",
    "urgency": "none",
}
_SERVICE = {
    "health_need": "simple",
    "social_need": "simple",
    "autonomy": "partial",
    "support_network": "adequate",
    "urgency": "none",
}

# (days ago, channel, requester kind, requester name, need areas, urgency, description, path)
_REQUESTS = [
    (
        0,
        "telefono",
        "familiare",
        "Figlia",
        ["anziani", "caregiver"],
        "ordinaria",
        "La madre vive sola e non riesce più a fare la spesa.",
        [],
    ),
    (
        1,
        "mmg_pls",
        "operatore",
        "Medico di medicina generale",
        ["cure_domiciliari"],
        "prioritaria",
        "Paziente allettato dopo una frattura: chiede assistenza domiciliare.",
        ["triage:service"],
    ),
    (
        2,
        "reparto",
        "operatore",
        "Reparto di medicina, PO Vizzolo",
        ["dimissione_protetta", "anziani"],
        "urgente",
        "Dimissione prevista tra pochi giorni, vive sola.",
        ["triage:complex", "uvm"],
    ),
    (
        4,
        "sportello",
        "persona",
        "",
        ["poverta", "abitare"],
        "ordinaria",
        "Sfratto esecutivo, chiede informazioni su contributi per l'affitto.",
        ["triage:simple", "informata"],
    ),
    (
        6,
        "scuola",
        "operatore",
        "Dirigente scolastica",
        ["minori_famiglie"],
        "prioritaria",
        "Assenze ripetute e segnali di disagio di un alunno.",
        ["triage:service", "servizio"],
    ),
    (
        9,
        "servizi_sociali",
        "operatore",
        "Assistente sociale del Comune",
        ["disabilita"],
        "ordinaria",
        "Giovane con disabilità grave: progetto di vita.",
        ["triage:complex", "uvm"],
    ),
    (
        12,
        "online",
        "persona",
        "",
        ["lavoro"],
        "ordinaria",
        "Cerca un orientamento al lavoro.",
        ["triage:simple", "informata", "chiusa"],
    ),
    (
        20,
        "tribunale",
        "operatore",
        "Tribunale per i minorenni",
        ["minori_famiglie"],
        "urgente",
        "Incarico di indagine sociale sul nucleo.",
        [],
    ),
]


@dataclass
class IntakeDemoResult:
    pua_points: int = 0
    requests: int = 0


def _org(code: str) -> Organization | None:
    return Organization.objects.filter(code=code).first()


def _pua_actor() -> Actor | None:
    membership = (
        Membership.objects.filter(
            user__username="operatore.pua", organization__code="asst-melegnano-martesana"
        )
        .select_related("user", "organization")
        .first()
    )
    if membership is None or Role.PUA_OPERATOR not in membership.roles:
        return None
    return Actor.for_membership(membership.user, membership)


def _points() -> list[PuaPoint]:
    territory = demo_territory_find()
    asst = _org("asst-melegnano-martesana")
    points = []
    owner = _org("udp-sud-est-milano")
    if owner is not None:
        pua, _created = PuaPoint.objects.update_or_create(
            name=PUA_SOUTH_EAST,
            defaults={
                "organization": owner,
                "address": "Via Cavour 2, San Giuliano Milanese",
                "uvm_organization": asst,
                "holiday_province": "MI",
            },
        )
        pua.ambiti.set([territory.ambito])
        pua.partners.set(
            [o for o in (asst, _org("comune-san-giuliano-milanese"), _org("comune-melegnano")) if o]
        )
        points.append(pua)
    pioltello = _org("comune-pioltello")
    if pioltello is not None:
        pua, _created = PuaPoint.objects.update_or_create(
            name=PUA_PIOLTELLO,
            defaults={
                "organization": pioltello,
                "address": "Via San Francesco 1, Pioltello",
                "uvm_organization": asst,
                "holiday_province": "MI",
            },
        )
        pua.municipalities.set([territory.comuni["Pioltello"]])
        pua.partners.set([asst] if asst else [])
        points.append(pua)
    return points


def _walk(actor: Actor, request: IntakeRequest, path: list[str]) -> None:
    service = Service.objects.filter(is_active=True).order_by("pk").first()
    for step in path:
        if step.startswith("triage:"):
            answers = {"complex": _COMPLEX, "simple": _SIMPLE, "service": _SERVICE}[step[7:]]
            # The demo's own write: no version an operator saw.
            triage_record(
                actor=actor, request_id=request.pk, answers=answers, expected_version=None
            )
        elif step == "informata":
            transition(
                actor,
                request,
                IntakeState.INFORMED,
                "Bisogno semplice: orientamento.",
                need="simple",
                information_given="Indicati lo sportello e i documenti da portare.",
            )
        elif step == "servizio" and service is not None:
            transition(
                actor,
                request,
                IntakeState.SENT_TO_SERVICE,
                "Un solo servizio basta.",
                need="simple",
                service_id=service.pk,
            )
        elif step == "uvm":
            transition(
                actor,
                request,
                IntakeState.SENT_TO_UVM,
                "Bisogno sociale e sanitario complesso.",
                need="complex",
            )
        elif step == "chiusa":
            transition(actor, request, IntakeState.CLOSED, "Informazioni date, nulla da seguire.")


def seed_intake_demo() -> IntakeDemoResult:
    """Create (or converge to) the demo PUAs and, if persons exist, some requests."""
    result = IntakeDemoResult()
    with transaction.atomic():
        points = _points()
        result.pua_points = len(points)
        actor = _pua_actor()
        main = next((p for p in points if p.name == PUA_SOUTH_EAST), None)
        if actor is None or main is None or main.requests.exists():
            return result
        persons = list(
            Person.objects.filter(
                status=PersonStatus.ACTIVE,
                residence_municipality__ambito__in=main.ambiti.all(),
            ).order_by("pk")[: len(_REQUESTS)]
        )
        now = timezone.now()
        for person, row in zip(persons, _REQUESTS, strict=False):
            days, channel, kind, name, areas, urgency, description, path = row
            sharing = current_consent(person_id=person.pk, purpose=ConsentPurpose.SHARING)
            if sharing is None or not sharing.is_in_force():
                # At the PUA the person, present, consents to the sharing between Comune and
                # ASL, so the partner PUA, the services the request goes to and the UVM can open
                # the record.
                consent_record(
                    actor=actor,
                    person_id=person.pk,
                    purpose=ConsentPurpose.SHARING,
                    status=ConsentStatus.GIVEN,
                    decided_on=timezone.localdate(),
                    evidence_note="Consenso espresso allo sportello del PUA (dati dimostrativi)",
                    evidence_kind=ConsentEvidence.PRESENCE_DECLARATION,
                )
            request = request_create(
                actor=actor,
                data={
                    "person_id": person.pk,
                    "pua_id": main.pk,
                    "channel": channel,
                    "requester_kind": kind,
                    "requester_name": name,
                    "need_areas": areas,
                    "urgency": urgency,
                    "description": description,
                    "received_at": now - timedelta(days=days, hours=1),
                },
            )
            _walk(actor, request, path)
            result.requests += 1
    return result
