"""Factories of the PUA: points, requests."""

from __future__ import annotations

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from integra.intake.models import (
    Channel,
    IntakeRequest,
    IntakeState,
    NeedArea,
    PuaPoint,
    RequesterKind,
    Urgency,
)
from tests.factories import MembershipFactory, OrganizationFactory
from tests.people.factories import PersonFactory


class PuaPointFactory(DjangoModelFactory):
    class Meta:
        model = PuaPoint

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"PUA {n}")


class IntakeRequestFactory(DjangoModelFactory):
    """A request as received (no transition row: use the services to get a timeline)."""

    class Meta:
        model = IntakeRequest

    pua = factory.SubFactory(PuaPointFactory)
    person = factory.SubFactory(PersonFactory)
    channel = Channel.FRONT_DESK
    requester_kind = RequesterKind.PERSON
    need_areas = factory.LazyFunction(lambda: [NeedArea.ELDERLY])
    urgency = Urgency.ORDINARY
    description = "Chiede assistenza domiciliare per la madre."
    state = IntakeState.RECEIVED
    received_at = factory.LazyFunction(timezone.now)
    pre_assessment_due = factory.LazyFunction(timezone.localdate)
    due_on = factory.LazyAttribute(lambda r: r.pre_assessment_due)
    created_by = factory.SubFactory(
        MembershipFactory, organization=factory.SelfAttribute("..pua.organization")
    )
