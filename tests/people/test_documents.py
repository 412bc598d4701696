"""Documents of a person: identity documents, residence permits, certificates and their scans.

Rules (issue "Documents"): a scan is accepted only if it is a PDF, JPEG or PNG by its first bytes
(PDF: ISO 32000-1 §7.5.2 header "%PDF-"; JPEG: SOI marker FF D8 FF; PNG: PNG specification §5.2
signature 89 50 4E 47 0D 0A 1A 0A), not by its name, and no larger than
``PEOPLE_DOCUMENT_MAX_BYTES``; a refused upload stores nothing. Files live outside the web root
and reach only who may see the person's content (integra/people/access.py). The list of permits
expiring within 60 days covers today to today + 60 included, for the persons in charge of the
operator's organisation.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from integra.accounts.models import Membership
from integra.accounts.services import api_token_create
from integra.audit.models import AccessLog
from integra.core.access import NotFound, PermissionRequired
from integra.core.permissions import Role
from integra.people.errors import PersonError, PersonErrorCode
from integra.people.models import DocumentKind, PermitReason, PersonDocument
from integra.people.selectors import document_for_download, documents_of, permits_expiring
from integra.people.services import person_document_create
from tests.people.factories import CareRelationshipFactory, ConsentFactory, PersonFactory

pytestmark = pytest.mark.django_db

PERSONS = "/api/v1/persons"
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 20
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 20
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 40  # a Windows executable (DOS "MZ" header)


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path) -> Path:
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return tmp_path / "private"


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def person(org_a):
    """Registered by A, in charge of A."""
    someone = PersonFactory(registered_by=org_a, family_names="Diallo", given_names="Awa")
    CareRelationshipFactory(person=someone, organization=org_a)
    return someone


def upload(content: bytes, name: str = "scan.pdf", content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def create(actor, person, **kwargs):
    values = {"kind": DocumentKind.RESIDENCE_PERMIT, "number": "I12345678"} | kwargs
    return person_document_create(actor=actor, person_id=person.pk, **values)


# --- upload ------------------------------------------------------------------------------------


def test_pdf_upload_is_stored_outside_the_web_root(person, org_a, make_actor, private_root):
    actor = make_actor(org_a, Role.SOCIAL_WORKER)
    document = create(
        actor,
        person,
        permit_reason=PermitReason.WORK,
        upload=upload(PDF, "../../etc/Permesso Awa è.pdf"),
    )
    document.refresh_from_db()
    assert document.content_type == "application/pdf"
    assert document.size == len(PDF)
    assert document.sha256 == hashlib.sha256(PDF).hexdigest()
    # No folders, no accents, the extension of the real type.
    assert document.file_name == "Permesso Awa e.pdf"
    files = stored_files(private_root)
    assert len(files) == 1
    assert files[0].read_bytes() == PDF
    # The stored name is random, under the person's folder: not the operator's name.
    assert document.file.name.startswith(f"documents/{person.pk}/")
    assert "Permesso" not in document.file.name
    with pytest.raises(ValueError):
        document.file.url  # noqa: B018 - no URL for private files


def test_png_declared_as_pdf_is_stored_as_png(person, org_a, make_actor):
    actor = make_actor(org_a, Role.SOCIAL_WORKER)
    document = create(actor, person, upload=upload(PNG, "foto.pdf", "application/pdf"))
    assert document.content_type == "image/png"
    assert document.file_name == "foto.png"
    jpeg = create(actor, person, kind=DocumentKind.IDENTITY_CARD, upload=upload(JPEG, "ci.jpg"))
    assert jpeg.content_type == "image/jpeg"


def test_executable_renamed_pdf_is_refused_and_nothing_is_stored(
    person, org_a, make_actor, private_root
):
    actor = make_actor(org_a, Role.SOCIAL_WORKER)
    with pytest.raises(PersonError) as exc:
        create(actor, person, upload=upload(EXE, "permesso.pdf", "application/pdf"))
    assert exc.value.code == PersonErrorCode.DOCUMENT_FILE_TYPE
    assert "PDF, JPEG o PNG" in exc.value.errors["file"][0]
    assert PersonDocument.objects.count() == 0
    assert stored_files(private_root) == []


def test_too_large_is_refused(person, org_a, make_actor, settings, private_root):
    settings.PEOPLE_DOCUMENT_MAX_BYTES = len(PDF) - 1
    actor = make_actor(org_a, Role.SOCIAL_WORKER)
    with pytest.raises(PersonError) as exc:
        create(actor, person, upload=upload(PDF))
    assert exc.value.code == PersonErrorCode.DOCUMENT_TOO_LARGE
    assert PersonDocument.objects.count() == 0
    assert stored_files(private_root) == []
    # Exactly at the limit is accepted.
    settings.PEOPLE_DOCUMENT_MAX_BYTES = len(PDF)
    assert create(actor, person, upload=upload(PDF)).size == len(PDF)


def test_failure_after_storing_removes_the_file(
    person, org_a, make_actor, private_root, monkeypatch
):
    """The file is written just before the row: if saving the row fails, the file goes too."""
    actor = make_actor(org_a, Role.SOCIAL_WORKER)

    def broken_save(self, *args, **kwargs):
        assert len(stored_files(private_root)) == 1  # the file was written…
        raise IntegrityError("simulated failure")

    monkeypatch.setattr(PersonDocument, "save", broken_save)
    with pytest.raises(IntegrityError):
        create(actor, person, upload=upload(PDF))
    assert stored_files(private_root) == []  # …and removed again
    assert PersonDocument.objects.count() == 0


def test_bad_metadata_is_refused_per_field(person, org_a, make_actor):
    actor = make_actor(org_a, Role.SOCIAL_WORKER)
    today = timezone.localdate()
    with pytest.raises(PersonError) as exc:
        create(
            actor,
            person,
            kind=DocumentKind.PASSPORT,
            permit_reason=PermitReason.WORK,
            issued_on=today - timedelta(days=10),
            expires_on=today - timedelta(days=11),
        )
    assert set(exc.value.errors) == {"permit_reason", "expires_on"}
    assert exc.value.code == PersonErrorCode.DOCUMENT_INVALID


def test_upload_needs_person_edit_and_a_visible_person(person, org_a, org_b, make_actor):
    with pytest.raises(PermissionRequired):
        create(make_actor(org_a, Role.UVM_MEMBER), person)
    # B has not the person in charge: 404.
    with pytest.raises(NotFound):
        create(make_actor(org_b, Role.SOCIAL_WORKER), person)
    # B in charge but without the sharing consent: limited, still 404.
    CareRelationshipFactory(person=person, organization=org_b)
    with pytest.raises(NotFound):
        create(make_actor(org_b, Role.SOCIAL_WORKER), person)


# --- reading and downloading -------------------------------------------------------------------


def test_documents_visible_only_with_content(person, org_a, org_b, make_actor):
    document = create(make_actor(org_a, Role.SOCIAL_WORKER), person, upload=upload(PDF))
    assert documents_of(actor=make_actor(org_a, Role.SOCIAL_WORKER), person_id=person.pk) == [
        document
    ]
    b_worker = make_actor(org_b, Role.SOCIAL_WORKER)
    with pytest.raises(NotFound):  # not in charge
        documents_of(actor=b_worker, person_id=person.pk)
    CareRelationshipFactory(person=person, organization=org_b)
    with pytest.raises(NotFound):  # limited: no sharing consent
        document_for_download(actor=b_worker, person_id=person.pk, document_id=document.pk)
    ConsentFactory(person=person)
    assert (
        document_for_download(actor=b_worker, person_id=person.pk, document_id=document.pk)
        == document
    )


def bearer(membership: Membership) -> dict[str, str]:
    _token, raw = api_token_create(
        user=membership.user, membership=membership, name="test", second_factor_verified=True
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_api_upload_list_and_download(person, org_a, org_b, make_membership, private_root):
    client = Client()
    headers = bearer(make_membership(org_a, Role.SOCIAL_WORKER))
    url = f"{PERSONS}/{person.pk}/documents"
    response = client.post(
        url,
        {
            "kind": "residence_permit",
            "number": "I0123456",
            "issuer": "Questura di Milano",
            "expires_on": "2030-01-31",
            "permit_reason": "family",
            "file": upload(PDF, "permesso.pdf"),
        },
        **headers,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind_label"] == "Permesso di soggiorno"
    assert body["has_file"] is True
    assert str(private_root) not in response.content.decode()
    assert "documents/" not in response.content.decode()
    listed = client.get(url, **headers).json()
    assert listed["count"] == 1
    file_url = f"{url}/{body['id']}/file"
    download = client.get(file_url, **headers)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="permesso.pdf"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert AccessLog.objects.filter(detail={"view": "documento"}).count() == 1
    # Another organisation: 404 (not in charge), then 404 (in charge, limited).
    b_headers = bearer(make_membership(org_b, Role.SOCIAL_WORKER))
    assert client.get(file_url, **b_headers).status_code == 404
    assert client.get(url, **b_headers).status_code == 404
    CareRelationshipFactory(person=person, organization=org_b)
    assert client.get(file_url, **b_headers).status_code == 404


def test_api_refusals(person, org_a, make_membership, settings, private_root):
    client = Client()
    url = f"{PERSONS}/{person.pk}/documents"
    data = {"kind": "passport", "number": "YA1234567"}
    no_edit = bearer(make_membership(org_a, Role.UVM_MEMBER))
    assert client.post(url, data | {"file": upload(PDF)}, **no_edit).status_code == 403
    headers = bearer(make_membership(org_a, Role.SOCIAL_WORKER))
    wrong = client.post(url, data | {"file": upload(EXE, "x.pdf")}, **headers)
    assert wrong.status_code == 422
    assert wrong.json()["code"] == "document_file_type"
    settings.PEOPLE_DOCUMENT_MAX_BYTES = 10
    big = client.post(url, data | {"file": upload(PDF)}, **headers)
    assert big.status_code == 413
    assert big.json()["code"] == "document_too_large"
    assert big.json()["status"] == 413
    assert client.post(f"{PERSONS}/999999/documents", data, **headers).status_code == 404
    assert PersonDocument.objects.count() == 0
    assert stored_files(private_root) == []
    # Metadata only, no file: accepted.
    assert client.post(url, data, **headers).status_code == 201


# --- permits expiring --------------------------------------------------------------------------


def permit(person, membership, expires_on, kind=DocumentKind.RESIDENCE_PERMIT):
    return PersonDocument.objects.create(
        person=person, kind=kind, expires_on=expires_on, uploaded_by=membership
    )


def test_permits_expiring_window(person, org_a, make_actor, make_membership):
    today = timezone.localdate()
    m = make_membership(org_a, Role.SOCIAL_WORKER)
    days = {n: permit(person, m, today + timedelta(days=n)) for n in (61, 60, 10, 59, -1)}
    # A passport expiring in 5 days is not a permit.
    permit(person, m, today + timedelta(days=5), kind=DocumentKind.PASSPORT)
    receipt = permit(person, m, today + timedelta(days=20), DocumentKind.RESIDENCE_PERMIT_RECEIPT)
    listed = list(permits_expiring(actor=make_actor(org_a, Role.SOCIAL_WORKER), today=today))
    assert listed == [days[10], receipt, days[59], days[60]]


def test_permits_expiring_scope(person, org_a, org_b, make_actor, make_membership):
    today = timezone.localdate()
    other = PersonFactory(registered_by=org_b)
    CareRelationshipFactory(person=other, organization=org_b)
    theirs = permit(other, make_membership(org_b), today + timedelta(days=3))
    ours = permit(person, make_membership(org_a), today + timedelta(days=4))
    assert list(permits_expiring(actor=make_actor(org_a), today=today)) == [ours]
    assert list(permits_expiring(actor=make_actor(org_b), today=today)) == [theirs]
    # B takes A's person in charge: without the sharing consent the permit stays hidden.
    CareRelationshipFactory(person=person, organization=org_b)
    assert list(permits_expiring(actor=make_actor(org_b), today=today)) == [theirs]
    ConsentFactory(person=person)
    assert list(permits_expiring(actor=make_actor(org_b), today=today)) == [theirs, ours]
    # A relationship that ended yesterday no longer counts.
    ended = PersonFactory(registered_by=org_a)
    CareRelationshipFactory(
        person=ended,
        organization=org_a,
        started_on=today - timedelta(days=30),
        ended_on=today - timedelta(days=1),
    )
    permit(ended, make_membership(org_a), today + timedelta(days=2))
    assert list(permits_expiring(actor=make_actor(org_a), today=today)) == [ours]


def test_api_permits_expiring_query_count(person, org_a, make_membership):
    client = Client()
    membership = make_membership(org_a, Role.SOCIAL_WORKER)
    headers = bearer(membership)
    today = timezone.localdate()

    def add(n: int) -> None:
        for i in range(n):
            someone = PersonFactory(registered_by=org_a)
            CareRelationshipFactory(person=someone, organization=org_a)
            permit(someone, membership, today + timedelta(days=1 + i % 50))

    url = "/api/v1/permits/expiring?within_days=60"
    add(3)
    client.get(url, **headers)  # warm caches (token, territory)
    with CaptureQueriesContext(connection) as few:
        response = client.get(url, **headers)
    assert response.json()["count"] == 3
    assert response.json()["items"][0]["days_left"] == 1
    add(27)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, **headers)
    assert response.json()["count"] == 30
    assert len(many) == len(few)
    docs_url = f"{PERSONS}/{person.pk}/documents"
    for _ in range(3):
        permit(person, membership, today)
    with CaptureQueriesContext(connection) as few_docs:
        client.get(docs_url, **headers)
    for _ in range(30):
        permit(person, membership, today)
    with CaptureQueriesContext(connection) as many_docs:
        assert client.get(docs_url, **headers).json()["count"] == 33
    assert len(many_docs) == len(few_docs)
