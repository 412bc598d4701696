"""Lists agree with pages, walked as every demo operator: whatever the UVM list and the PUA
inbox show opens, and every link on a session's or a request's page to another object opens.

The demo world of ``seed_demo`` (organisations, operators, PUAs and requests) with one joint
UVM session convened by the ASST for the request sent to the UVM, whose members are the
Comune's social worker, the cooperative's and the ASST's nurse."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from integra.accounts.models import Membership
from integra.assessments import uvm
from integra.core.access import Actor
from integra.intake.demo import seed_intake_demo
from integra.intake.models import IntakeRequest, IntakeState
from integra.organizations.demo import demo_seed
from tests.organizations.factories import build_demo_territory
from tests.people.factories import PersonFactory

pytestmark = pytest.mark.django_db

LISTS = ("/valutazioni/uvm/", "/pua/")
ITEM = re.compile(r'href="(/(?:valutazioni/uvm|pua/richieste)/\d+/)"')
# Links from a page to another object (a person, a request, a session, an assessment, a PDF).
OBJECT = re.compile(
    r'href="(/(?:persone/\d+/|pua/richieste/\d+/|valutazioni/(?:uvm/\d+/|persone/\d+/|\d+/))'
    r'[^"#?]*)"'
)


def _actor(username: str) -> Actor:
    membership = Membership.objects.select_related("user").get(user__username=username)
    return Actor.for_membership(membership.user, membership)


@pytest.fixture
def demo_world():
    comuni = build_demo_territory()
    demo_seed(seed=1)
    for i in range(8):
        PersonFactory(residence_municipality=comuni["Melegnano"], family_names=f"Demo{i}")
    seed_intake_demo()
    request = IntakeRequest.objects.get(state=IntakeState.SENT_TO_UVM)
    convener = _actor("uvm")
    session = uvm.session_create(
        actor=convener,
        data={
            "person_id": request.person_id,
            "intake_request_id": request.pk,
            "scheduled_for": timezone.now(),
        },
    )
    for username, profession in (
        ("assistente.sociale", "assistente_sociale"),
        ("terzo.settore", "assistente_sociale"),
        ("infermiere", "infermiere"),
    ):
        member = _actor(username).membership
        uvm.member_add(
            actor=convener,
            session_id=session.pk,
            data={
                "organization_id": member.organization_id,
                "membership_id": member.pk,
                "profession": profession,
            },
        )
    return session


def test_every_listed_item_and_every_link_opens_for_every_demo_operator(client, demo_world):
    walked = 0
    for membership in Membership.objects.filter(is_active=True).select_related("user"):
        client.force_login(membership.user)
        session = client.session
        session["integra_membership_id"] = membership.pk
        session.save()
        who = f"{membership.user.username} ({membership.organization_id})"
        for listing in LISTS:
            page = client.get(listing)
            if page.status_code != 200:
                assert page.status_code in (302, 403), who  # not for this role (or 2FA first)
                continue
            for item in sorted(set(ITEM.findall(page.content.decode()))):
                opened = client.get(item)
                assert opened.status_code == 200, f"{who}: {listing} lists {item}"
                walked += 1
                for link in sorted(set(OBJECT.findall(opened.content.decode())) - {item}):
                    answer = client.get(link)
                    assert answer.status_code == 200, f"{who}: {item} links to {link}"
    # The session is listed to its convener, the PUA (both memberships) and the three members.
    assert walked >= 10
