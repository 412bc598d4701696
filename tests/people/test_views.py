"""Pages of the person registry: search, person page and tabs, create/edit, duplicates."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pghistory
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from integra.audit.models import AccessLog
from integra.core.permissions import Role
from integra.people.models import (
    CareRelationship,
    Consent,
    DocumentKind,
    HouseholdMember,
    IseeDeclaration,
    Person,
    PersonDocument,
    PersonStatus,
)
from tests.factories import MunicipalityFactory
from tests.people.factories import (
    CareRelationshipFactory,
    ConsentFactory,
    PersonFactory,
    PersonIdentifierFactory,
    fiscal_code_for,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
# RSSMRA80A01H501U: Mario Rossi, male, born 1 January 1980 in Rome (H501); the check character
# U follows DM 23/12/1976 (odd/even tables) — the same rule as tests/people/factories.py.
ROSSI_CF = "RSSMRA80A01H501U"


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path) -> Path:
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return tmp_path / "private"


@pytest.fixture
def worker_a(org_a, make_membership):
    return make_membership(org_a, Role.SOCIAL_WORKER)


@pytest.fixture
def client_a(client: Client, worker_a) -> Client:
    client.force_login(worker_a.user)
    return client


@pytest.fixture
def person(org_a):
    """Registered by A and in charge of A."""
    someone = PersonFactory(
        registered_by=org_a, family_names="Diallo", given_names="Awa", birth_date=date(1990, 5, 4)
    )
    CareRelationshipFactory(person=someone, organization=org_a)
    PersonIdentifierFactory(person=someone)
    return someone


def other_client(membership) -> Client:
    other = Client()
    other.force_login(membership.user)
    return other


def person_form(**overrides: str) -> dict[str, str]:
    data = {
        "family_names": "Rossi",
        "given_names": "Mario",
        "sex": "M",
        "birth_date": "1980-01-01",
        "birth_place": "H501",
        "identifier_value": ROSSI_CF,
        "citizenships": "IT",
        "languages": "it",
    }
    data.update(overrides)
    return data


# --- access -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/persone/",
        "/persone/nuova/",
        "/persone/1/",
        "/persone/1/storico/",
        "/persone/permessi-in-scadenza/",
    ],
)
def test_anonymous_is_sent_to_login(client, url) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert "/account/login/" in response["Location"]


def test_url_names() -> None:
    assert reverse("people:search") == "/persone/"
    assert reverse("people:create") == "/persone/nuova/"
    assert reverse("people:detail", args=[3]) == "/persone/3/"
    assert reverse("people:edit", args=[3]) == "/persone/3/modifica/"
    for name, tail in [
        ("documents", "documenti"),
        ("household", "nucleo"),
        ("isee", "isee"),
        ("consents", "consensi"),
        ("history", "storico"),
    ]:
        assert reverse(f"people:{name}", args=[3]) == f"/persone/3/{tail}/"
    assert reverse("people:permits_expiring") == "/persone/permessi-in-scadenza/"


def test_role_without_person_view_gets_403(client, org_a, make_membership) -> None:
    client.force_login(make_membership(org_a, Role.AUDITOR).user)
    assert client.get("/persone/").status_code == 403
    assert client.get("/persone/nuova/").status_code == 403


def test_role_without_person_edit_cannot_create(client, org_a, make_membership, person) -> None:
    client.force_login(make_membership(org_a, Role.UVM_MEMBER).user)
    assert client.get("/persone/nuova/").status_code == 403
    assert client.get(f"/persone/{person.pk}/modifica/").status_code == 403
    page = client.get("/persone/").content.decode()
    assert "Nuova persona" not in page


def test_other_organisation_gets_the_same_404_as_missing(person, org_b, make_membership) -> None:
    other = other_client(make_membership(org_b, Role.SOCIAL_WORKER))
    missing = Person.objects.order_by("-pk").first().pk + 100
    for suffix in ("", "modifica/", "documenti/", "nucleo/", "isee/", "consensi/", "storico/"):
        hidden = other.get(f"/persone/{person.pk}/{suffix}")
        absent = other.get(f"/persone/{missing}/{suffix}")
        assert hidden.status_code == absent.status_code == 404, suffix


def test_limited_view_without_sharing_consent_shows_no_content(person, org_b, make_membership):
    """A PUA operator of another body sees the person exists and whom to contact, nothing else."""
    pua = other_client(make_membership(org_b, Role.PUA_OPERATOR))
    response = pua.get(f"/persone/{person.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Persona nota al sistema" in page
    assert "Comune di Alfa" in page  # whom to contact
    assert "Diallo" not in page and "Awa" not in page and "1990" not in page
    for suffix in ("documenti/", "nucleo/", "isee/", "consensi/", "storico/", "modifica/"):
        assert pua.get(f"/persone/{person.pk}/{suffix}").status_code == 404
    # By name nothing is found (names are matched only within what may be read in full); by
    # code the person is found in the limited form.
    results = pua.get(
        "/persone/", {"q": "Diallo Awa"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "Persona nota al sistema" not in results and "0 persone trovate" in results
    code = person.identifiers.first()
    if code is not None:
        by_code = pua.get(
            "/persone/", {"q": code.value}, headers={"HX-Request": "true"}
        ).content.decode()
        assert "Persona nota al sistema" in by_code
        assert "Diallo" not in by_code


def test_sharing_consent_opens_the_content_to_another_body(person, org_b, make_membership):
    ConsentFactory(person=person)
    pua = other_client(make_membership(org_b, Role.PUA_OPERATOR))
    page = pua.get(f"/persone/{person.pk}/").content.decode()
    assert "Diallo" in page


# --- search -------------------------------------------------------------------------------------


def test_search_by_name_and_code_with_log(client_a, person, worker_a) -> None:
    page = client_a.get("/persone/", {"q": "Dialo Awa"}).content.decode()  # a typo
    assert "Diallo Awa" in page and reverse("people:detail", args=[person.pk]) in page
    code = person.identifiers.get().value
    page = client_a.get("/persone/", {"q": code.lower()}).content.decode()
    assert "stesso codice" in page
    assert AccessLog.objects.filter(action="search", membership_id=worker_a.pk).count() == 2


def test_search_htmx_returns_only_the_results(client_a, person) -> None:
    response = client_a.get("/persone/", {"q": "Diallo"}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert "<html" not in page and "Diallo Awa" in page


def test_search_nothing_found_offers_to_create(client_a, person) -> None:
    page = client_a.get("/persone/", {"q": "Nessuno Qui"}).content.decode()
    assert "Nessuna persona corrisponde" in page
    assert "/persone/nuova/?cognome=Nessuno+Qui" in page


def test_search_for_an_unknown_code_prefills_the_code(client_a) -> None:
    page = client_a.get("/persone/", {"q": ROSSI_CF}).content.decode()
    assert f"/persone/nuova/?codice={ROSSI_CF}" in page
    form = client_a.get(f"/persone/nuova/?codice={ROSSI_CF}").content.decode()
    assert f'value="{ROSSI_CF}"' in form


def test_empty_search_reads_nothing(client_a) -> None:
    assert client_a.get("/persone/").status_code == 200
    assert not AccessLog.objects.filter(action="search").exists()


def test_search_with_birth_year_not_matching_date_is_an_error(client_a, person) -> None:
    page = client_a.get(
        "/persone/", {"q": "Diallo", "birth_date": "1990-05-04", "birth_year": "1991"}
    ).content.decode()
    assert "non coincidono" in page


# --- create -------------------------------------------------------------------------------------


def test_create_with_errors_saves_nothing_and_speaks_italian(client_a) -> None:
    response = client_a.post(
        "/persone/nuova/",
        person_form(family_names="", identifier_value="RSSMRA80A01H501X", birth_place="Atlantide"),
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert Person.objects.count() == 0
    assert "Non è stato salvato nulla" in page
    assert "obbligatorio" in page
    assert "Luogo «Atlantide» non trovato" in page


def test_service_errors_land_on_their_fields(client_a) -> None:
    response = client_a.post(
        "/persone/nuova/", person_form(identifier_value="RSSMRA80A01H501X", birth_place="")
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Identificativo RSSMRA80A01H501X non valido" in page
    assert 'href="#id_identifier_value"' in page
    assert Person.objects.count() == 0


def test_create_registers_and_takes_in_charge(client_a, org_a) -> None:
    milano = MunicipalityFactory(name="Milano", province_code="MI", belfiore_code="F205")
    response = client_a.post(
        "/persone/nuova/", person_form(residence_municipality="Milano", birth_date="1980-01-02")
    )
    person = Person.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("people:detail", args=[person.pk])
    assert person.residence_municipality == milano
    assert person.birth_place_code == "H501"
    assert person.citizenships == ["IT"]
    assert person.identifiers.get().value == ROSSI_CF
    assert CareRelationship.objects.filter(person=person, organization=org_a).exists()
    page = client_a.get(response["Location"]).content.decode()
    assert "Persona registrata" in page
    assert "Il codice fiscale indica la nascita il 01/01/…80" in page  # the mismatch warning


def test_create_returns_to_a_safe_next(client_a) -> None:
    response = client_a.post("/persone/nuova/?next=/pua/nuova/?x=1", person_form())
    person = Person.objects.get()
    assert response["Location"] == f"/pua/nuova/?x=1&persona={person.pk}"


def test_create_ignores_an_unsafe_next(client_a) -> None:
    response = client_a.post("/persone/nuova/?next=https://evil.example/", person_form())
    assert response["Location"] == reverse("people:detail", args=[Person.objects.get().pk])


def test_duplicate_dialog_then_confirm_with_reason(client_a, person) -> None:
    data = person_form(
        family_names="Diallo",
        given_names="Awa",
        sex="F",
        birth_date="1990-05-04",
        identifier_value="",
        birth_place="",
    )
    response = client_a.post("/persone/nuova/", data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Questa persona potrebbe essere già registrata" in page
    assert reverse("people:detail", args=[person.pk]) in page
    assert "stesso nome e stessa data di nascita" in page
    assert Person.objects.count() == 1

    response = client_a.post("/persone/nuova/", {**data, "confirm_duplicate": "1"})
    assert "Indica perché è una persona diversa" in response.content.decode()
    assert Person.objects.count() == 1

    response = client_a.post(
        "/persone/nuova/",
        {**data, "confirm_duplicate": "1", "confirm_new_person_reason": "Omonima, madre diversa"},
    )
    assert response.status_code == 302
    assert Person.objects.count() == 2


def test_duplicate_invisible_to_the_operator_is_not_named(person, org_b, make_membership) -> None:
    other = other_client(make_membership(org_b, Role.SOCIAL_WORKER))
    page = other.post(
        "/persone/nuova/",
        person_form(
            family_names="Diallo",
            given_names="Awa",
            sex="F",
            birth_date="1990-05-04",
            identifier_value="",
            birth_place="",
        ),
    ).content.decode()
    assert "Persona già registrata che non puoi vedere" in page
    assert reverse("people:detail", args=[person.pk]) not in page


def test_identifier_check_decodes_and_warns(client_a) -> None:
    page = client_a.get(
        "/persone/verifica-codice/",
        {"identifier_value": ROSSI_CF, "sex": "F", "birth_date": "1980-01-01"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "valido" in page and "01/01/…80" in page
    assert "Attenzione" in page  # F entered, the code says M


# --- edit ---------------------------------------------------------------------------------------


def test_edit_changes_the_person(client_a, person) -> None:
    url = f"/persone/{person.pk}/modifica/"
    page = client_a.get(url).content.decode()
    assert 'value="Diallo"' in page
    data = person_form(
        family_names="Diallo",
        given_names="Awa",
        sex="F",
        birth_date="1990-05-04",
        identifier_value="",
        birth_place="",
        phone="333 1234567",
        row_version=str(person.row_version),
    )
    response = client_a.post(url, data)
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.phone == "333 1234567"
    response = client_a.post(url, {**data, "birth_date": "2999-01-01"})
    assert response.status_code == 400
    assert "non può essere nel futuro" in response.content.decode()


def test_merged_person_redirects_to_the_survivor(client_a, person, org_a) -> None:
    merged = PersonFactory(registered_by=org_a, status=PersonStatus.MERGED, merged_into=person)
    CareRelationshipFactory(person=merged, organization=org_a)
    response = client_a.get(f"/persone/{merged.pk}/")
    assert response.status_code == 302
    assert response["Location"] == reverse("people:detail", args=[person.pk])


# --- tabs ---------------------------------------------------------------------------------------


def test_document_upload_and_download(client_a, person) -> None:
    url = f"/persone/{person.pk}/documenti/"
    response = client_a.post(
        url, {"kind": DocumentKind.IDENTITY_CARD, "number": "CA12345", "issued_on": "2999-01-01"}
    )
    assert response.status_code == 400
    assert "La data di rilascio non può essere nel futuro." in response.content.decode()
    assert not PersonDocument.objects.exists()
    upload = SimpleUploadedFile("carta.pdf", PDF, content_type="application/pdf")
    response = client_a.post(url, {"kind": DocumentKind.IDENTITY_CARD, "file": upload})
    assert response.status_code == 302
    document = PersonDocument.objects.get()
    page = client_a.get(url).content.decode()
    download = reverse("people:document_file", args=[person.pk, document.pk])
    assert download in page
    response = client_a.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


def test_household_add_by_name_and_by_code(client_a, person, org_a) -> None:
    url = f"/persone/{person.pk}/nucleo/"
    assert client_a.post(url, {"relationship": "child"}).status_code == 400
    response = client_a.post(
        url,
        {
            "name": "Fatou Diallo",
            "relationship": "child",
            "is_caregiver": "on",
            "caregiver_needs": ["respite"],
        },
    )
    assert response.status_code == 302
    sister = PersonFactory(registered_by=org_a, family_names="Diallo", given_names="Mariam")
    CareRelationshipFactory(person=sister, organization=org_a)
    code = PersonIdentifierFactory(person=sister).value
    assert client_a.post(url, {"member_code": code, "relationship": "sibling"}).status_code == 302
    assert HouseholdMember.objects.filter(person=person).count() == 2
    page = client_a.get(url).content.decode()
    assert "Fatou Diallo" in page and "Sollievo" in page and "Diallo Mariam" in page
    bad = client_a.post(url, {"member_code": "XXXXXX", "relationship": "sibling"})
    assert "Nessuna persona con questo codice" in bad.content.decode()


def test_isee_and_consent_forms(client_a, person) -> None:
    today = timezone.localdate()
    isee_url = f"/persone/{person.pk}/isee/"
    response = client_a.post(
        isee_url, {"kind": "ordinario", "value": "12000.50", "signed_on": today.isoformat()}
    )
    assert response.status_code == 302
    declaration = IseeDeclaration.objects.get()
    # DPCM 159/2013 as amended by DL 34/2019 art. 28-bis: valid to 31 December of the DSU year.
    assert declaration.valid_until == date(today.year, 12, 31)
    assert "12000,50" in client_a.get(isee_url).content.decode()

    consent_url = f"/persone/{person.pk}/consensi/"
    response = client_a.post(
        consent_url, {"purpose": "sharing", "status": "given", "decided_on": today.isoformat()}
    )
    assert response.status_code == 400  # the evidence is required
    assert not Consent.objects.exists()
    response = client_a.post(
        consent_url,
        {
            "purpose": "sharing",
            "status": "given",
            "decided_on": today.isoformat(),
            "decided_by": "person",
            "evidence_kind": "presence_declaration",
            "evidence_note": "modulo firmato prot. 5/2026",
        },
    )
    assert response.status_code == 302
    assert "modulo firmato prot. 5/2026" in client_a.get(consent_url).content.decode()


def test_social_tabs_need_social_record_edit(client, org_a, make_membership, person) -> None:
    client.force_login(make_membership(org_a, Role.NURSE).user)
    assert (
        "Aggiungi un componente" not in client.get(f"/persone/{person.pk}/nucleo/").content.decode()
    )
    response = client.post(f"/persone/{person.pk}/isee/", {"kind": "ordinario"})
    assert response.status_code == 403


def test_history_shows_who_and_what(client_a, person, worker_a) -> None:
    with pghistory.context(username="mrossi"):
        person.phone = "02 555"
        person.save()
    page = client_a.get(f"/persone/{person.pk}/storico/").content.decode()
    assert "mrossi" in page and "02 555" in page and "Modifica" in page
    assert AccessLog.objects.filter(
        membership_id=worker_a.pk, detail__view="storico", person_id=person.pk
    ).exists()


def test_history_does_not_show_other_households(client_a, person, org_a, worker_a) -> None:
    other = PersonFactory(registered_by=org_a, family_names="Altro")
    HouseholdMember.objects.create(
        person=other,
        member=person,
        relationship="sibling",
        recorded_by=worker_a,
        caregiver_needs_note="segreto dell'altro",
    )
    page = client_a.get(f"/persone/{person.pk}/storico/").content.decode()
    assert "segreto dell" not in page


def test_permits_expiring_page(client_a, person, worker_a) -> None:
    PersonDocument.objects.create(
        person=person,
        kind=DocumentKind.RESIDENCE_PERMIT,
        number="PS-1",
        expires_on=timezone.localdate() + timedelta(days=10),
        uploaded_by=worker_a,
    )
    PersonDocument.objects.create(
        person=person,
        kind=DocumentKind.RESIDENCE_PERMIT,
        number="PS-2",
        expires_on=timezone.localdate() + timedelta(days=90),
        uploaded_by=worker_a,
    )
    page = client_a.get("/persone/permessi-in-scadenza/").content.decode()
    assert "PS-1" in page and "PS-2" not in page


# --- query counts -------------------------------------------------------------------------------


def _persons(org, n: int, start: int) -> None:
    for i in range(n):
        someone = PersonFactory(registered_by=org, family_names="Bianchi", given_names="Anna")
        CareRelationshipFactory(person=someone, organization=org)
        PersonIdentifierFactory(person=someone, value=fiscal_code_for(start + i))


def test_search_query_count_does_not_grow(client_a, org_a, django_assert_max_num_queries):
    _persons(org_a, 1, 1000)
    with django_assert_max_num_queries(20) as one:
        client_a.get("/persone/", {"q": "Bianchi Anna"})
    _persons(org_a, 12, 2000)
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client_a.get("/persone/", {"q": "Bianchi Anna"}).content.decode()
    assert page.count("Bianchi Anna</a>") == 13


def _fill(person, membership, n: int) -> None:
    today = timezone.localdate()
    for i in range(n):
        PersonDocument.objects.create(
            person=person, kind="passport", number=f"P{i}", uploaded_by=membership
        )
        HouseholdMember.objects.create(
            person=person, name=f"Figlio {i}", relationship="child", recorded_by=membership
        )
        IseeDeclaration.objects.create(
            person=person,
            kind="ordinario",
            value=1000 + i,
            signed_on=today,
            valid_until=today,
            recorded_by=membership,
        )
        ConsentFactory(person=person, purpose="care", recorded_by=membership)
        person.phone = f"02 {i}"
        person.save()


@pytest.mark.parametrize("suffix", ["", "documenti/", "nucleo/", "isee/", "consensi/", "storico/"])
def test_person_pages_query_count_does_not_grow(
    client_a, person, worker_a, suffix, django_assert_max_num_queries
):
    _fill(person, worker_a, 1)
    url = f"/persone/{person.pk}/{suffix}"
    with django_assert_max_num_queries(20) as one:
        assert client_a.get(url).status_code == 200
    _fill(person, worker_a, 8)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client_a.get(url).status_code == 200


def test_merge_link_only_for_person_merge(client_a, person, org_a, make_membership) -> None:
    assert "/unisci/" not in client_a.get(f"/persone/{person.pk}/").content.decode()
    pua = other_client(make_membership(org_a, Role.PUA_OPERATOR))
    assert f"/persone/{person.pk}/unisci/" in pua.get(f"/persone/{person.pk}/").content.decode()
