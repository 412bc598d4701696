"""The auditor's filter by person and the person column (integra/audit/persons.py,
integra/people/audit_directory.py): a number is taken as it is; a whole code finds the persons
registered by the auditor's organisation (seen by number, as in the who-viewed-me report) and
those the actor reads; a name only those the actor reads in full — a plain auditor reads none,
so a name never tells the auditor who a limited record is."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from integra.accounts.services import api_token_create
from integra.audit.models import AccessLog
from integra.core.permissions import Role
from tests.audit.helpers import by, log_rows
from tests.audit.test_views import read_csv, table_rows
from tests.people.factories import (
    CareRelationshipFactory,
    PersonFactory,
    PersonIdentifierFactory,
)

pytestmark = pytest.mark.django_db

URL = "/audit/accessi/"
ROSSI = "RSSMRA80A01H501U"
VERDI = "VRDGPP75B02F205X"


@pytest.fixture
def world(org_a, org_b, make_membership):
    rossi = PersonFactory(family_names="Rossi", given_names="Mario", registered_by=org_a)
    PersonIdentifierFactory(person=rossi, value=ROSSI)
    verdi = PersonFactory(family_names="Verdi", given_names="Giuseppe", registered_by=org_b)
    PersonIdentifierFactory(person=verdi, value=VERDI)
    worker = make_membership(org_a, Role.SOCIAL_WORKER)
    log_rows(
        {**by(worker), "person_id": rossi.pk, "subject_label": "Scheda Rossi"},
        {**by(worker), "person_id": verdi.pk, "subject_label": "Scheda Verdi"},
        {**by(worker), "subject_label": "Nessuna persona"},
    )
    return {"rossi": rossi, "verdi": verdi, "worker": worker}


def rows_for(client, person: str) -> list[str]:
    response = client.get(URL, {"person": person})
    assert response.status_code == 200
    return table_rows(response.content.decode())


def labels(rows: list[str]) -> list[str]:
    return [label for row in rows for label in ("Scheda Rossi", "Scheda Verdi") if label in row]


def test_by_number_and_by_code_of_a_person_of_the_organisation(
    client, org_a, make_membership, world
):
    client.force_login(make_membership(org_a, Role.AUDITOR).user)
    rossi = world["rossi"]
    by_number = rows_for(client, str(rossi.pk))
    assert labels(by_number) == ["Scheda Rossi"]
    # The auditor reads no record: the person is named by number, in the limited form.
    assert f"Persona n. {rossi.pk} (scheda limitata)" in by_number[0]
    assert "Mario" not in by_number[0]
    assert labels(rows_for(client, "rss mra 80a01 h501u")) == ["Scheda Rossi"]
    assert labels(rows_for(client, f"n. {rossi.pk}")) == ["Scheda Rossi"]


def test_a_name_or_a_foreign_code_names_nobody_to_a_plain_auditor(
    client, org_a, make_membership, world
) -> None:
    client.force_login(make_membership(org_a, Role.AUDITOR).user)
    for text in ("Rossi Mario", "Verdi Giuseppe", VERDI):
        response = client.get(URL, {"person": text})
        assert "Nessun accesso corrisponde ai filtri." in response.content.decode(), text
    # The filter is recorded with the auditor's own listing.
    listing = AccessLog.objects.filter(subject_type="audit.accesslog").latest("pk")
    assert listing.detail["filters"] == {"person": VERDI}


def test_a_name_finds_the_persons_the_actor_reads(client, org_a, make_membership, world) -> None:
    """An auditor who is also a social worker of the organisation, with Rossi in charge, reads
    Rossi's record: the name finds him, and the column shows his name."""
    rossi = world["rossi"]
    CareRelationshipFactory(person=rossi, organization=org_a)
    client.force_login(make_membership(org_a, Role.AUDITOR, Role.SOCIAL_WORKER).user)
    found = rows_for(client, "Rossi Maro")  # a typo, as in the registry's search
    assert labels(found) == ["Scheda Rossi"]
    assert "Rossi Mario" in found[0]


def test_a_merged_record_brings_its_old_accesses(client, org_a, make_membership, world) -> None:
    rossi = world["rossi"]
    alias = PersonFactory(registered_by=org_a, status="merged", merged_into=rossi)
    log_rows({**by(world["worker"]), "person_id": alias.pk, "subject_label": "Scheda vecchia"})
    client.force_login(make_membership(org_a, Role.AUDITOR).user)
    found = rows_for(client, ROSSI)
    assert sum("Scheda vecchia" in row for row in found) == 1
    assert labels(found) == ["Scheda Rossi"]


def test_the_person_column_costs_the_same_queries_whatever_the_rows(
    client, org_a, make_membership, world
) -> None:
    client.force_login(make_membership(org_a, Role.AUDITOR).user)

    def measure() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        return len(ctx.captured_queries)

    measure()
    few = measure()
    more = [PersonFactory(registered_by=org_a) for _ in range(12)]
    log_rows(*({**by(world["worker"]), "person_id": p.pk} for p in more))
    assert measure() == few


def test_api_and_csv_name_the_operator_and_the_person(
    client, org_a, make_membership, world
) -> None:
    auditor = make_membership(org_a, Role.AUDITOR)
    rossi, worker = world["rossi"], world["worker"].user
    _token, raw = api_token_create(
        user=auditor.user, membership=auditor, name="t", second_factor_verified=True
    )
    body = client.get(
        "/api/v1/audit/access-log", {"person_query": ROSSI}, HTTP_AUTHORIZATION=f"Bearer {raw}"
    ).json()
    assert body["count"] == 1
    (item,) = body["items"]
    assert (item["person_id"], item["person_label"]) == (
        rossi.pk,
        f"Persona n. {rossi.pk} (scheda limitata)",
    )
    assert (item["username"], item["operator_name"], item["roles"]) == (
        worker.username,
        worker.get_full_name(),
        "Assistente sociale",
    )
    client.force_login(auditor.user)
    response = client.get("/audit/accessi/esporta.csv", {"person": str(rossi.pk)})
    header, *lines = read_csv(response)
    (line,) = lines
    assert line[header.index("Persona interessata")] == f"Persona n. {rossi.pk} (scheda limitata)"
    assert line[header.index("Operatore")] == worker.get_full_name()
