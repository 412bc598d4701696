"""Who viewed my record: the list of accesses handed to the person.

Rule: GDPR art. 15 (right of access) and Garante per la protezione dei dati personali, Linee
guida in materia di Dossier sanitario, 4 June 2015: every access including viewing is logged and
kept at least 24 months; the person can obtain the list of accesses — the unit, date and time.
Our choice (integra/people/access_report.py): organisation, unit and role held at the time, date
and time, what, purpose, emergency flag; no operator name.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from integra.accounts.services import api_token_create
from integra.audit.models import AccessAction, AccessLog
from integra.core.access import Actor, NotFound, PermissionRequired
from integra.core.permissions import Role
from integra.organizations.models import Unit
from integra.people.access_report import (
    REPORT_PURPOSE,
    access_report,
    access_report_html,
    access_report_pdf,
    default_period,
    months_back,
)
from integra.people.dossier_errors import DossierError
from integra.people.emergency import EMERGENCY_PURPOSE
from tests.audit.helpers import by, log_rows
from tests.factories import OrganizationFactory
from tests.people.factories import CareRelationshipFactory, PersonFactory, PersonIdentifierFactory

pytestmark = pytest.mark.django_db

# 10:00 and 15:30 in Rome on 1 July 2026 (summer time, UTC+2).
MORNING = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
AFTERNOON = datetime(2026, 7, 1, 13, 30, tzinfo=UTC)


@pytest.fixture
def person(org_a):
    someone = PersonFactory(registered_by=org_a, family_names="Rossi", given_names="Lucia")
    PersonIdentifierFactory(person=someone)
    CareRelationshipFactory(person=someone, organization=org_a)
    return someone


@pytest.fixture
def a_worker(org_a, make_membership):
    return make_membership(org_a, Role.SOCIAL_WORKER)


def actor(membership) -> Actor:
    return Actor.for_membership(membership.user, membership)


def read(membership, person, at, **extra):
    return {
        **by(membership),
        "at": at,
        "subject_type": "people.person",
        "subject_id": str(person.pk),
        "subject_label": str(person),
        "subject_organization_id": person.registered_by_id,
        "person_id": person.pk,
        "detail": {"view": "anagrafica"},
        "purpose": "",
        **extra,
    }


def test_months_back() -> None:
    assert months_back(date(2026, 7, 15), 24) == date(2024, 7, 15)
    assert months_back(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_back(date(2028, 2, 29), 24) == date(2026, 2, 28)
    assert default_period(date(2026, 1, 10)) == (date(2024, 1, 10), date(2026, 1, 10))


def test_the_list_gives_organisation_unit_role_at_the_time_and_no_name(
    person, a_worker, org_b, make_membership
) -> None:
    unit = Unit.objects.create(organization=org_b, name="Distretto di Melzo")
    nurse = make_membership(org_b, Role.DOCTOR, unit=unit)
    nurse.user.first_name, nurse.user.last_name = "Giulia", "Verdi"
    nurse.user.save()
    log_rows(
        read(nurse, person, MORNING, detail={"view": "documenti"}),
        read(
            nurse,
            person,
            AFTERNOON,
            purpose=EMERGENCY_PURPOSE,
            detail={"view": "anagrafica", "emergency_access_id": 7},
        ),
        # Not in the list: another person, a denied attempt, outside the period.
        read(nurse, PersonFactory(registered_by=person.registered_by), MORNING),
        read(nurse, person, MORNING, outcome="denied"),
        read(nurse, person, datetime(2026, 6, 29, 21, 59, tzinfo=UTC)),  # 23:59 of 29/6 in Rome
    )
    # After those accesses the doctor becomes a nurse: the list keeps the role of the time.
    nurse.roles = [Role.NURSE]
    nurse.save()
    log_rows(read(nurse, person, timezone.now() + timedelta(hours=1)))

    report = access_report(
        actor=actor(a_worker),
        person_id=person.pk,
        date_from=date(2026, 6, 30),
        date_to=timezone.localdate() + timedelta(days=1),
    )
    rows = [
        (r.at.strftime("%d/%m/%Y %H:%M"), r.organization, r.unit, r.roles, r.what, r.emergency)
        for r in report.rows
    ]
    assert rows[:2] == [
        ("01/07/2026 10:00", "ASST Beta", "Distretto di Melzo", ["Medico"], "documenti", False),
        (
            "01/07/2026 15:30",
            "ASST Beta",
            "Distretto di Melzo",
            ["Medico"],
            "scheda anagrafica",
            True,
        ),
    ]
    assert rows[2][3] == ["Infermiere"]
    assert report.total == 3 and report.emergency_count == 1
    assert not report.person.limited and report.person.full_name == "Rossi Lucia"
    html = access_report_html(report)
    for expected in (
        "Registro degli accessi alla scheda",
        "Rossi Lucia",
        "ASST Beta",
        "sì, accesso di emergenza",
    ):
        assert expected in html
    for absent in ("Giulia", "Verdi", nurse.user.username):
        assert absent not in html
    assert access_report_pdf(report).startswith(b"%PDF")


def test_any_period_is_read_without_error(person, a_worker) -> None:
    log_rows(read(a_worker, person, MORNING))
    report = access_report(
        actor=actor(a_worker), person_id=person.pk, date_from=date.min, date_to=date.max
    )
    assert report.total == 1


def test_printing_it_is_logged(person, a_worker) -> None:
    access_report(actor=actor(a_worker), person_id=person.pk)
    entry = AccessLog.objects.get()
    start, end = default_period()
    assert (entry.action, entry.person_id, entry.purpose) == (
        AccessAction.PRINT,
        person.pk,
        REPORT_PURPOSE,
    )
    assert entry.detail == {
        "view": "registro_accessi",
        "date_from": start.isoformat(),
        "date_to": end.isoformat(),
        "rows": 0,
    }
    # ... and the next list shows the printing itself.
    again = access_report(actor=actor(a_worker), person_id=person.pk)
    assert [r.what for r in again.rows] == ["registro degli accessi"]


def test_only_the_registering_organisation_prints_it(
    person, a_worker, org_a, org_b, make_membership
) -> None:
    from tests.people.factories import ConsentFactory

    ConsentFactory(person=person)
    CareRelationshipFactory(person=person, organization=org_b)
    # The ASST reads the record (consent, in charge) but did not register the person: 404.
    with pytest.raises(NotFound):
        access_report(actor=actor(make_membership(org_b, Role.SOCIAL_WORKER)), person_id=person.pk)
    with pytest.raises(NotFound):
        access_report(actor=actor(make_membership(org_b, Role.AUDITOR)), person_id=person.pk)
    with pytest.raises(NotFound):
        access_report(actor=actor(a_worker), person_id=999999)
    # The Comune's auditor prints it, with the person by number only (the gate's limited form).
    report = access_report(actor=actor(make_membership(org_a, Role.AUDITOR)), person_id=person.pk)
    assert report.person.limited and report.person.full_name == ""
    assert "Rossi" not in access_report_html(report)
    with pytest.raises(PermissionRequired):
        access_report(actor=actor(make_membership(org_a, Role.ORG_ADMIN)), person_id=person.pk)
    with pytest.raises(DossierError):
        access_report(
            actor=actor(a_worker),
            person_id=person.pk,
            date_from=date(2026, 2, 2),
            date_to=date(2026, 2, 1),
        )


def test_the_page_and_the_api(client, person, a_worker, org_b, make_membership) -> None:
    client.force_login(a_worker.user)
    page = client.get(f"/persone/{person.pk}/registro-accessi/")
    assert page.status_code == 200
    assert f'action="/persone/{person.pk}/registro-accessi.pdf"' in page.content.decode()
    # The record's header links to it for the registering organisation.
    assert (
        f"/persone/{person.pk}/registro-accessi/"
        in client.get(f"/persone/{person.pk}/").content.decode()
    )
    pdf = client.get(
        f"/persone/{person.pk}/registro-accessi.pdf", {"dal": "2026-01-01", "al": "2026-12-31"}
    )
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert "attachment" in pdf["Content-Disposition"]
    bad = client.get(
        f"/persone/{person.pk}/registro-accessi.pdf", {"dal": "2026-12-31", "al": "2026-01-01"}
    )
    assert bad.status_code == 400
    _token, raw = api_token_create(
        user=a_worker.user, membership=a_worker, name="t", second_factor_verified=True
    )
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    api = client.get(f"/api/v1/persons/{person.pk}/access-report.pdf", **headers)
    assert api.status_code == 200 and api.content.startswith(b"%PDF")
    wrong = client.get(
        f"/api/v1/persons/{person.pk}/access-report.pdf?date_from=2026-03-01&date_to=2026-02-01",
        **headers,
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "period_invalid"
    stranger = make_membership(OrganizationFactory(), Role.SOCIAL_WORKER)
    client.force_login(stranger.user)
    assert client.get(f"/persone/{person.pk}/registro-accessi/").status_code == 404
    assert client.get(f"/persone/{person.pk}/registro-accessi.pdf").status_code == 404
