"""integra/core/security.py and the security headers of settings.py: the Content-Security-Policy
on every answer, no-store on personal data, a malformed multipart page request answered 400, and
templates that need no inline script or style (issue 9, items 7 and 8)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from integra.assessments import uvm
from integra.core.access import Actor
from integra.core.permissions import Role
from tests.intake.factories import IntakeRequestFactory, PuaPointFactory
from tests.people.factories import CareRelationshipFactory, PersonFactory

INTEGRA = Path(__file__).resolve().parents[2] / "integra"

# The whole policy, written out by hand: a change to it must be a change to this test.
POLICY = {
    "default-src": "'self'",
    "script-src": "'self' 'report-sample'",
    "style-src": "'self' 'report-sample'",
    "img-src": "'self' data:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
NO_STORE = {"max-age=0", "no-cache", "no-store", "must-revalidate", "private"}


def policy(response) -> dict[str, str]:
    """The Content-Security-Policy header as {directive: sources} (django-csp does not keep the
    directives in a fixed order)."""
    header = response["Content-Security-Policy"]
    return dict(d.strip().split(" ", 1) for d in header.split(";"))


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


@pytest.fixture
def operator(org_a, make_membership, client: Client):
    """An operator of org_a (a PUA point's organisation) with the roles that open the pages
    below, logged in; none of them asks for the second factor."""
    membership = make_membership(
        org_a, Role.SOCIAL_WORKER, Role.PUA_OPERATOR, Role.UVM_MEMBER, Role.NURSE
    )
    client.force_login(membership.user)
    return membership


@pytest.fixture
def person(org_a):
    person = PersonFactory(registered_by=org_a, family_names="Neri", given_names="Lia")
    CareRelationshipFactory(person=person, organization=org_a)
    return person


# --- Content-Security-Policy -------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/account/login/",  # a page for anybody
        "/persone/",  # a page behind the login (here: the redirect to it)
        "/api/v1/me",  # an API error
        "/api/v1/docs",  # Swagger UI: the same policy is enough (tests/e2e/test_api_docs.py)
        "/healthz",
        "/non-esiste/",  # Django's 404 page
    ],
)
def test_every_answer_carries_the_policy(client: Client, path: str) -> None:
    response = client.get(path)
    assert policy(response) == POLICY


def test_the_policy_has_no_unsafe_source() -> None:
    assert not [sources for sources in POLICY.values() if "unsafe" in sources]


def test_a_logged_in_page_carries_the_policy(operator, person, client: Client) -> None:
    response = client.get(f"/persone/{person.pk}/")
    assert response.status_code == 200
    assert policy(response) == POLICY


# Templates rendered to PDF by WeasyPrint, never served to a browser: their <style> is fine.
PDF_TEMPLATES = {
    "assessments/templates/assessments/uvm_minutes.html",
    "careplans/templates/careplans/plan_pdf.html",
    "people/templates/people/access_report_pdf.html",
}
INLINE = {
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I),
    "on...= handler": re.compile(r"<[^>]*\son[a-z]+\s*=", re.I),
    "style= attribute": re.compile(r"<[^>]*\sstyle\s*=", re.I),
    "<style> element": re.compile(r"<style[\s>]", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def test_no_template_needs_inline_script_or_style() -> None:
    """The policy would block them: behaviour goes in static JS bound by data- attributes, looks
    in integra.css (both in integra/static/integra/)."""
    templates = sorted(INTEGRA.glob("**/templates/**/*.html"))
    assert len(templates) > 50
    found = [
        f"{path.relative_to(INTEGRA)}: {what}"
        for path in templates
        if str(path.relative_to(INTEGRA)) not in PDF_TEMPLATES
        for what, pattern in INLINE.items()
        if pattern.search(path.read_text())
    ]
    assert found == []


def test_the_guard_sees_what_it_forbids() -> None:
    assert INLINE["inline <script>"].search("<script>window.x = 1;</script>")
    assert not INLINE["inline <script>"].search('<script src="/static/a.js" defer></script>')
    assert INLINE["on...= handler"].search('<select name="a" onchange="this.form.submit()">')
    assert not INLINE["on...= handler"].search('<select name="a" data-submit-on-change>')
    assert INLINE["style= attribute"].search('<div class="x" style="height: 2px">')
    assert not INLINE["style= attribute"].search('<div class="x" data-style="plain">')


# --- Cache-Control: no-store on personal data --------------------------------------------------


def test_person_page_is_not_stored(operator, person, client: Client) -> None:
    response = client.get(f"/persone/{person.pk}/")
    assert response.status_code == 200
    assert cache_control(response) >= NO_STORE


def test_pua_request_page_is_not_stored(org_a, operator, person, client: Client) -> None:
    request = IntakeRequestFactory(pua=PuaPointFactory(organization=org_a), person=person)
    response = client.get(f"/pua/richieste/{request.pk}/")
    assert response.status_code == 200
    assert cache_control(response) >= NO_STORE


def test_person_json_is_not_stored(operator, person, client: Client) -> None:
    response = client.get(f"/api/v1/persons/{person.pk}")
    assert response.status_code == 200
    assert response.json()["family_names"] == "Neri"
    assert cache_control(response) >= NO_STORE


def test_minutes_pdf_is_not_stored(operator, person, client: Client) -> None:
    actor = Actor.for_membership(operator.user, operator)
    session = uvm.session_create(
        actor=actor, data={"person_id": person.pk, "scheduled_for": timezone.now(), "place": ""}
    )
    response = client.get(f"/api/v1/uvm-sessions/{session.pk}/minutes.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert cache_control(response) >= NO_STORE


@pytest.mark.django_db
def test_an_api_error_without_login_is_not_stored(client: Client) -> None:
    response = client.get("/api/v1/persons/1")
    assert response.status_code == 401
    assert cache_control(response) >= NO_STORE


@pytest.mark.django_db
def test_public_answers_and_static_files_keep_their_own_caching(client: Client) -> None:
    not_found = client.get("/non-esiste/")
    assert not_found.status_code == 404
    assert "no-store" not in cache_control(not_found)
    static = client.get("/static/integra/css/integra.css")
    assert static.status_code == 200
    assert "no-store" not in cache_control(static)


def test_logging_in_makes_the_answer_no_store(make_membership, org_a) -> None:
    """The rule is checked after the view: the redirect that follows a login is covered."""
    from tests.factories import PASSWORD

    membership = make_membership(org_a, Role.SOCIAL_WORKER)
    response = Client().post(
        "/account/login/", {"username": membership.user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert cache_control(response) >= NO_STORE


# --- a page's multipart body that cannot be parsed is a 400 ------------------------------------
# Django's own handler answers MultiPartParserError 400 (rendering templates/400.html); these
# pin it for the pages that take a file and for the login, read by the CSRF check first.

# A valid envelope around a part whose base64 content is cut short (Django: "Could not decode
# base64 data"): the error surfaces only while the body is read.
BROKEN_PART = (
    b"--B\r\n"
    b'Content-Disposition: form-data; name="file"; filename="a.txt"\r\n'
    b"Content-Type: text/plain\r\n"
    b"Content-Transfer-Encoding: base64\r\n"
    b"\r\n"
    b"YWJ\r\n"
    b"--B--\r\n"
)
MALFORMED_MULTIPART = {
    "no boundary": ("multipart/form-data", b"--x\r\n"),
    "invalid boundary": ('multipart/form-data; boundary="ends with a space "', b"--x\r\n"),
    "broken part": ("multipart/form-data; boundary=B", BROKEN_PART),
}


@pytest.mark.parametrize("kind", MALFORMED_MULTIPART)
def test_malformed_multipart_to_an_upload_page_is_a_400(
    operator, person, client: Client, kind: str
) -> None:
    content_type, body = MALFORMED_MULTIPART[kind]
    response = client.post(f"/persone/{person.pk}/documenti/", body, content_type=content_type)
    assert response.status_code == 400
    assert "<h1>Richiesta non valida</h1>" in response.content.decode()
    assert person.documents.count() == 0


@pytest.mark.django_db
def test_malformed_multipart_to_the_login_page_is_a_400(client: Client) -> None:
    response = client.post("/account/login/", b"--x\r\n", content_type="multipart/form-data")
    assert response.status_code == 400
    assert policy(response) == POLICY


def test_a_well_formed_upload_still_works(operator, person, client: Client) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("carta.pdf", b"%PDF-1.4 prova", content_type="application/pdf")
    response = client.post(
        f"/persone/{person.pk}/documenti/",
        {
            "kind": "identity_card",
            "number": "CA12345AA",
            "issued_on": "2024-01-10",
            "expires_on": date(2034, 1, 10).isoformat(),
            "file": upload,
        },
    )
    assert response.status_code in (200, 302), response.content
    assert person.documents.count() == 1
