"""Who may record a consent decision (issue 9, finding 2: consent could be granted by anyone who
saw the limited view).

Rule (Garante, Linee guida in materia di Dossier sanitario, 4/6/2015 — the consent to the
shared dossier is the person's own decision, documented): a decision is recorded by an
organisation that already reads the record, or at the PUA with the person (or guardian)
present, with evidence — the scan of the signed form or the operator's declaration of presence.
Anyone else gets the same 404 as for a person they cannot see, and nothing is written. The
registering organisation is told when another body records a decision on its record.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from integra.accounts.services import api_token_create
from integra.core.access import NotFound, scoped
from integra.core.permissions import Role
from integra.notices.models import Notice, NoticeKind
from integra.people.errors import PersonError
from integra.people.models import Consent, ConsentEvidence, Person
from integra.people.selectors import consent_history
from integra.people.services import consent_record
from tests.factories import OrganizationFactory
from tests.people.factories import CareRelationshipFactory, PersonFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% modulo di consenso firmato\n"


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path) -> Path:
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return tmp_path / "private"


@pytest.fixture
def theirs(org_b):
    """Registered by B, in charge of B: limited for everyone else without the consent."""
    person = PersonFactory(registered_by=org_b, family_names="Zqxlimitata", given_names="Rosa")
    CareRelationshipFactory(person=person, organization=org_b)
    return person


def decide(actor, person, **extra):
    return consent_record(
        actor=actor,
        person_id=person.pk,
        purpose="sharing",
        status=extra.pop("status", "given"),
        decided_on=date(2026, 12, 1),
        evidence_note=extra.pop("note", "La persona, presente allo sportello, acconsente."),
        **extra,
    )


def test_the_pua_records_it_with_the_person_present_and_the_holder_is_told(
    org_a, org_b, theirs, make_actor
) -> None:
    pua = make_actor(org_a, Role.PUA_OPERATOR)
    assert not scoped(pua, Person).filter(pk=theirs.pk).exists()
    consent = decide(pua, theirs)
    assert consent.evidence_kind == ConsentEvidence.PRESENCE_DECLARATION
    assert scoped(pua, Person).filter(pk=theirs.pk).exists()
    [notice] = Notice.objects.all()
    assert (notice.organization_id, notice.kind, notice.person_id) == (
        org_b.pk,
        NoticeKind.CONSENT_RECORDED,
        theirs.pk,
    )
    assert "Zqxlimitata" not in notice.text and str(theirs.pk) in notice.text


def test_an_organisation_seeing_only_the_limited_form_cannot_grant_it(
    org_a, theirs, make_actor
) -> None:
    CareRelationshipFactory(person=theirs, organization=org_a)
    for role in (Role.SOCIAL_WORKER, Role.NURSE, Role.CASE_MANAGER):
        with pytest.raises(NotFound):
            decide(make_actor(org_a, role), theirs)
        with pytest.raises(NotFound):
            decide(make_actor(org_a, role), theirs, status="withdrawn")
    assert not Consent.objects.exists() and not Notice.objects.exists()


def test_a_stranger_gets_the_404_of_a_missing_person(theirs, make_actor) -> None:
    stranger = make_actor(OrganizationFactory(), Role.SOCIAL_WORKER)
    with pytest.raises(NotFound):
        decide(stranger, theirs)
    missing = Person.objects.order_by("-pk").first().pk + 100
    with pytest.raises(NotFound):
        consent_record(
            actor=stranger,
            person_id=missing,
            purpose="sharing",
            status="given",
            decided_on=date(2026, 12, 1),
            evidence_note="x",
        )


def test_a_limited_person_shows_no_consent_history(org_a, theirs, make_actor) -> None:
    with pytest.raises(NotFound):
        consent_history(actor=make_actor(org_a, Role.PUA_OPERATOR), person_id=theirs.pk)


def test_the_registering_organisation_gets_no_notice_of_its_own_decisions(
    org_b, theirs, make_actor
) -> None:
    decide(make_actor(org_b, Role.SOCIAL_WORKER), theirs)
    assert not Notice.objects.exists()


def test_a_signed_form_is_kept_with_its_fingerprint(org_a, theirs, make_actor) -> None:
    pua = make_actor(org_a, Role.PUA_OPERATOR)
    with pytest.raises(PersonError) as missing:
        decide(pua, theirs, evidence_kind=ConsentEvidence.SIGNED_FORM)
    assert "file" in missing.value.errors
    with pytest.raises(PersonError) as wrong:
        decide(
            pua,
            theirs,
            evidence_kind=ConsentEvidence.SIGNED_FORM,
            upload=SimpleUploadedFile("modulo.pdf", b"GIF89a not a pdf"),
        )
    assert "file" in wrong.value.errors
    assert not Consent.objects.exists()
    consent = decide(
        pua,
        theirs,
        evidence_kind=ConsentEvidence.SIGNED_FORM,
        upload=SimpleUploadedFile("modulo consenso.pdf", PDF),
        decided_by="guardian",
        guardian_name="Mario Rossi (amministratore di sostegno)",
    )
    assert consent.evidence_content_type == "application/pdf"
    # sha256 of the bytes above, computed with hashlib.sha256(PDF).hexdigest()
    import hashlib

    assert consent.evidence_sha256 == hashlib.sha256(PDF).hexdigest()
    assert consent.evidence_file.read() == PDF


def test_the_limited_page_offers_the_form_to_the_pua_only(
    client, org_a, theirs, make_membership
) -> None:
    worker = make_membership(org_a, Role.SOCIAL_WORKER)
    CareRelationshipFactory(person=theirs, organization=org_a)
    client.force_login(worker.user)
    page = client.get(f"/persone/{theirs.pk}/").content.decode()
    assert "Raccogli il consenso" not in page
    assert client.post(f"/persone/{theirs.pk}/consenso-al-pua/", {}).status_code == 403
    pua = make_membership(org_a, Role.PUA_OPERATOR)
    client.force_login(pua.user)
    page = client.get(f"/persone/{theirs.pk}/").content.decode()
    assert "Raccogli il consenso con la persona presente" in page and "Zqxlimitata" not in page
    response = client.post(
        f"/persone/{theirs.pk}/consenso-al-pua/",
        {
            "purpose": "sharing",
            "status": "given",
            "decided_on": "2026-12-01",
            "decided_by": "person",
            "evidence_kind": "signed_form",
            "file": SimpleUploadedFile("m.pdf", PDF),
            "evidence_note": "Modulo firmato allo sportello",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "Zqxlimitata" in client.get(f"/persone/{theirs.pk}/").content.decode()
    consent = Consent.objects.get()
    form = client.get(f"/persone/{theirs.pk}/consensi/{consent.pk}/modulo/")
    assert form.status_code == 200 and b"".join(form.streaming_content) == PDF


def test_the_api_signed_form_endpoint(client, org_a, theirs, make_membership) -> None:
    pua = make_membership(org_a, Role.PUA_OPERATOR)
    _token, secret = api_token_create(user=pua.user, membership=pua, name="t")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    response = client.post(
        f"/api/v1/persons/{theirs.pk}/consents/signed-form",
        {
            "purpose": "sharing",
            "status": "given",
            "decided_on": "2026-12-01",
            "evidence_note": "Modulo firmato",
            "file": SimpleUploadedFile("m.pdf", PDF),
        },
        **headers,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["evidence_kind"], body["has_signed_form"]) == ("signed_form", True)
    download = client.get(f"/api/v1/persons/{theirs.pk}/consents/{body['id']}/file", **headers)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
