"""The auditor's daily list of anomalous accesses (integra/people/anomalies.py says what is
anomalous and why). Every expected value below is counted by hand from the rows written here.

The day examined: 15 July 2026, in Rome (UTC+2 in summer): from 14/7 22:00 UTC to 15/7 22:00
UTC. Organisations: the Comune (A) registered Paola and Quinto; the ASST (B) had Paola in charge
from 1 to 10 July only, and never Quinto.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import call_command

from integra.accounts.services import api_token_create
from integra.audit.models import AccessLog
from integra.core.access import Actor, PermissionRequired
from integra.core.permissions import Role
from integra.people.anomalies import anomalies_compute, audit_anomalies
from integra.people.emergency import EMERGENCY_PURPOSE
from tests.audit.helpers import by, log_rows
from tests.people.factories import CareRelationshipFactory, PersonFactory

pytestmark = pytest.mark.django_db

DAY = date(2026, 7, 15)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """``hour:minute`` in Rome on ``day`` (summer time: UTC+2)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - timedelta(hours=2)


@pytest.fixture
def world(org_a, org_b, make_membership):
    paola = PersonFactory(registered_by=org_a, family_names="Paola")
    quinto = PersonFactory(registered_by=org_a, family_names="Quinto")
    CareRelationshipFactory(
        person=paola, organization=org_b, started_on=date(2026, 7, 1), ended_on=date(2026, 7, 10)
    )
    return {
        "paola": paola,
        "quinto": quinto,
        "b1": make_membership(org_b, Role.SOCIAL_WORKER),
        "b2": make_membership(org_b, Role.DOCTOR),
        "a1": make_membership(org_a, Role.SOCIAL_WORKER),
    }


def read(membership, person, when, *, subject="people.person", **extra):
    return {
        **by(membership),
        "at": when,
        "subject_type": subject,
        "subject_id": str(person.pk),
        "subject_organization_id": person.registered_by_id,
        "person_id": person.pk,
        "detail": {"view": "anagrafica"},
        "purpose": "",
        **extra,
    }


def reads(membership, day: date, n: int) -> list[dict]:
    """``n`` list entries (no person) by ``membership`` on ``day``, from 9:00 one a minute."""
    return [
        {
            **by(membership),
            "at": at(day, 9) + timedelta(minutes=i),
            "action": "list",
            "subject_type": "intake.intakerequest",
            "subject_id": "",
            "purpose": "",
        }
        for i in range(n)
    ]


def test_reads_of_persons_not_in_charge(world, org_a, org_b) -> None:
    paola, quinto, b1, b2, a1 = (world[k] for k in ("paola", "quinto", "b1", "b2", "a1"))
    log_rows(
        # b1 reads Paola three times on the day, after the ASST's charge ended on 10/7.
        read(b1, paola, at(DAY, 0, 30)),  # 00:30 in Rome is the 15th (14/7 22:30 UTC)
        read(b1, paola, at(DAY, 9, 30)),
        read(
            b1,
            paola,
            at(DAY, 23, 30),
            subject="people.persondocument",
            detail={"view": "documento"},
        ),
        # Not counted: the evening before in Rome, a denied attempt, a PUA request (own scope),
        # the limited form of Quinto.
        read(b1, paola, at(date(2026, 7, 14), 23, 59)),
        read(b1, paola, at(DAY, 11), outcome="denied"),
        read(b1, quinto, at(DAY, 11), subject="intake.intakerequest"),
        read(b1, quinto, at(DAY, 12), detail={"view": "limitata"}),
        # b2 opened Quinto in an emergency: two reads, flagged.
        read(b2, quinto, at(DAY, 14), purpose=EMERGENCY_PURPOSE),
        read(b2, quinto, at(DAY, 14, 5), purpose=EMERGENCY_PURPOSE),
        # The Comune registered both: never anomalous for its operators.
        read(a1, paola, at(DAY, 10)),
        read(a1, quinto, at(DAY, 10)),
    )
    found = [
        (r.username, r.organization, r.person_id, r.reads, r.emergency_reads, r.first_at, r.last_at)
        for r in anomalies_compute(day=DAY, organization_id=None).out_of_charge
    ]
    assert sorted((u, o, p, n, e) for u, o, p, n, e, _f, _l in found) == sorted(
        [
            (b1.user.username, "ASST Beta", paola.pk, 3, 0),
            (b2.user.username, "ASST Beta", quinto.pk, 2, 2),
        ]
    )
    first_b1 = next(f for u, *_x, f, _l in found if u == b1.user.username)
    assert first_b1.strftime("%d/%m %H:%M") == "15/07 00:30"  # shown in Rome time
    # In charge on the day (the relationship still open on the 15th): nothing.
    CareRelationshipFactory(person=quinto, organization=org_b, started_on=date(2026, 7, 15))
    assert [r.username for r in anomalies_compute(day=DAY, organization_id=None).out_of_charge] == [
        b1.user.username
    ]


def test_reads_far_above_the_usual(world, org_a, org_b, make_membership) -> None:
    a1, b1, b2 = world["a1"], world["b1"], world["b2"]
    a2 = make_membership(org_a, Role.PUA_OPERATOR)
    a3 = make_membership(org_a, Role.PUA_OPERATOR)
    log_rows(
        # a1: usual days 10 and 20 reads (median 15; 3 × 15 = 45); 50 on the day → anomalous.
        # 40 reads on 14/6, outside the 30 days before: not part of the usual (with it the
        # median would be 20 and the threshold 60).
        *reads(a1, date(2026, 7, 1), 10),
        *reads(a1, date(2026, 7, 2), 20),
        *reads(a1, date(2026, 6, 14), 40),
        *reads(a1, DAY, 50),
        # b1: usual days 20, 20, 20 (median 20; threshold 60); 55 on the day → usual. Counting
        # the 27 days without reads as zeros would make the median 0 and flag it.
        *reads(b1, date(2026, 7, 5), 20),
        *reads(b1, date(2026, 7, 6), 20),
        *reads(b1, date(2026, 7, 7), 20),
        *reads(b1, DAY, 55),
        # a2: no history; 50 on the day → anomalous (median 0). a3: 49 → under the minimum.
        *reads(a2, DAY, 50),
        *reads(a3, DAY, 49),
        # b2: 60 on the day with 25 the day before (median 25, threshold 75) → usual.
        *reads(b2, date(2026, 7, 14), 25),
        *reads(b2, DAY, 60),
    )
    spikes = {
        s.username: (s.reads, s.median, s.active_days)
        for s in anomalies_compute(day=DAY, organization_id=None).spikes
    }
    assert spikes == {a1.user.username: (50, 15.0, 2), a2.user.username: (50, 0.0, 0)}
    # The auditor of the ASST sees no spike of the Comune's operators.
    assert anomalies_compute(day=DAY, organization_id=org_b.pk).spikes == []


def test_denied_attempts_in_bulk(world) -> None:
    paola, quinto, b1, b2 = world["paola"], world["quinto"], world["b1"], world["b2"]
    attempt = {"outcome": "denied", "detail": {}}
    log_rows(
        *[read(b1, paola if i % 2 else quinto, at(DAY, 9, i), **attempt) for i in range(10)],
        *[read(b2, paola, at(DAY, 9, i), **attempt) for i in range(9)],
    )
    denied = anomalies_compute(day=DAY, organization_id=None).denied
    assert [(d.username, d.attempts, d.subjects) for d in denied] == [(b1.user.username, 10, 2)]


def test_the_auditor_sees_their_share(world, org_a, org_b, make_membership) -> None:
    paola, b1 = world["paola"], world["b1"]
    log_rows(read(b1, paola, at(DAY, 9)))
    third = make_membership(org_b, Role.AUDITOR)
    mine = make_membership(org_a, Role.AUDITOR)
    # Paola's record is the Comune's: its auditor sees the ASST operator's read; so does the
    # ASST's auditor (its own operator). Another organisation's auditor sees nothing.
    from tests.factories import OrganizationFactory

    other = make_membership(OrganizationFactory(), Role.AUDITOR)
    for auditor, expected in ((mine, 1), (third, 1), (other, 0)):
        report = audit_anomalies(actor=Actor.for_membership(auditor.user, auditor), day=DAY)
        assert len(report.out_of_charge) == expected
    with pytest.raises(PermissionRequired):
        audit_anomalies(actor=Actor.for_membership(b1.user, b1), day=DAY)
    # Reading the list is logged.
    assert AccessLog.objects.filter(detail__check="anomalies").count() == 3


def test_three_queries_whatever_the_log(world, django_assert_num_queries) -> None:
    paola, quinto, b1, b2 = world["paola"], world["quinto"], world["b1"], world["b2"]
    with django_assert_num_queries(3):
        anomalies_compute(day=DAY, organization_id=None)
    log_rows(
        *[read(b1 if i % 2 else b2, paola if i % 3 else quinto, at(DAY, 9, i)) for i in range(40)]
    )
    with django_assert_num_queries(3):
        report = anomalies_compute(day=DAY, organization_id=None)
    assert len(report.out_of_charge) == 4


def test_a_day_no_log_can_hold_costs_nothing(django_assert_num_queries) -> None:
    with django_assert_num_queries(0):
        assert anomalies_compute(day=date(1, 1, 1), organization_id=None).count == 0
        assert anomalies_compute(day=date(9999, 12, 31), organization_id=None).count == 0


def test_the_page_the_api_and_the_command(client, world, org_a, make_membership) -> None:
    paola, b1 = world["paola"], world["b1"]
    log_rows(read(b1, paola, at(DAY, 9)), read(b1, paola, at(DAY, 9, 20)))
    auditor = make_membership(org_a, Role.AUDITOR)
    client.force_login(auditor.user)
    page = client.get("/audit/accessi-anomali/", {"giorno": "2026-07-15"}).content.decode()
    assert b1.user.username in page and f"Persona n. {paola.pk}" in page and "Paola" not in page
    assert client.get("/audit/accessi-anomali/", {"giorno": "ieri"}).status_code == 400
    _token, raw = api_token_create(
        user=auditor.user, membership=auditor, name="t", second_factor_verified=True
    )
    body = client.get(
        "/api/v1/access-anomalies?day=2026-07-15", HTTP_AUTHORIZATION=f"Bearer {raw}"
    ).json()
    assert body["count"] == 1
    assert body["out_of_charge"][0]["reads"] == 2
    client.force_login(b1.user)
    assert client.get("/audit/accessi-anomali/").status_code == 403

    out = io.StringIO()
    call_command("audit_anomalies", "--date", "2026-07-15", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "Accessi anomali del 15/07/2026: 1"
    assert lines[2] == (
        f"  {b1.user.username} (ASST Beta): persona n. {paola.pk}, 2 letture dalle 09:00 alle 09:20"
    )
    out = io.StringIO()
    call_command(
        "audit_anomalies", "--date", "2026-07-15", "--organization", "comune-alfa", stdout=out
    )
    assert out.getvalue().splitlines()[0] == "Accessi anomali del 15/07/2026: 1"
