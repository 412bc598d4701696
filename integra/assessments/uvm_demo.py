"""Demo data of the UVM (DEMO ONLY): for the demo PUA's requests sent to the UVM, one session
still to be held and one concluded with its outcome, made through the services (members from
both sides, the composition rule, the request told of the outcome), so that a new user finds
the whole loop PUA → UVM → PUA in the demo.

Runs after the PUA's demo (``integra.intake.demo``); running again converges: a request that
already has a session gets none.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from integra.accounts.models import Membership
from integra.assessments import uvm
from integra.assessments.uvm_models import Profession, UvmSession
from integra.core.access import Actor
from integra.intake.models import IntakeRequest, IntakeState

_CONVENER = ("uvm", "asst-melegnano-martesana")
# (username, organisation code, profession): one member from each side (seed 002, rule 5).
_MEMBERS = (
    ("medico", "asst-melegnano-martesana", Profession.DOCTOR),
    ("assistente.sociale", "comune-san-giuliano-milanese", Profession.SOCIAL_WORKER),
)
_OUTCOME = {
    "needs_summary": {
        "autonomia": "Dipendente in bagno e nella vestizione; cammina con il deambulatore.",
        "rete": "La figlia lavora a tempo pieno e passa la sera; nessun altro aiuto.",
    },
    "user_class": "alto_carico_bassa_dinamicita",
    "care_intensity": "alta",
    "proposed_interventions": "Assistenza domiciliare integrata e SAD, tre accessi a settimana.",
}


def _membership(username: str, organization_code: str) -> Membership | None:
    return (
        Membership.objects.filter(user__username=username, organization__code=organization_code)
        .select_related("user", "organization")
        .first()
    )


def _at(day_offset: int, hour: int) -> datetime:
    day = timezone.localdate() + timedelta(days=day_offset)
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def seed_uvm_demo() -> int:
    """Sessions for the demo requests sent to the UVM that have none; returns how many."""
    convener_membership = _membership(*_CONVENER)
    if convener_membership is None:
        return 0
    actor = Actor.for_membership(convener_membership.user, convener_membership)
    waiting = list(
        IntakeRequest.objects.filter(state=IntakeState.SENT_TO_UVM)
        .exclude(pk__in=UvmSession.objects.values("intake_request_id"))
        .order_by("received_at")
    )
    created = 0
    with transaction.atomic():
        # The oldest request: a session held two days ago and concluded; the next one (the
        # protected discharge): a session tomorrow, still to be held.
        for request, (offset, conclude) in zip(waiting, ((-2, True), (1, False)), strict=False):
            session = uvm.session_create(
                actor=actor,
                data={
                    "person_id": request.person_id,
                    "intake_request_id": request.pk,
                    "scheduled_for": _at(offset, 10),
                    "place": "Casa di Comunità San Giuliano Milanese",
                },
            )
            for username, code, profession in _MEMBERS:
                member = _membership(username, code)
                if member is None:
                    continue
                uvm.member_add(
                    actor=actor,
                    session_id=session.pk,
                    data={
                        "organization_id": member.organization_id,
                        "membership_id": member.pk,
                        "profession": profession,
                        "present": True,
                    },
                )
            if conclude:
                uvm.session_conclude(actor=actor, session_id=session.pk, data=_OUTCOME)
            created += 1
    return created
