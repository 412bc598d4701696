"""Integra's own 404 and 403 pages, in Italian, in the demo (DEBUG) too; every 404 and 403
answered to a signed-in operator is a denied attempt in the access log, and a forbidden object
is told apart from a missing id neither by the page nor by the kind of log entry."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from integra.audit.denials import REQUEST_SUBJECT_TYPE
from integra.audit.models import AccessAction, AccessLog, AccessOutcome
from integra.core.permissions import Role
from tests.people.factories import PersonFactory

pytestmark = pytest.mark.django_db

NOT_FOUND_TITLE = "<h1>Pagina non trovata</h1>"


@pytest.fixture
def worker_client(org_a, make_membership) -> tuple[Client, object]:
    worker = make_membership(org_a, Role.SOCIAL_WORKER)
    client = Client()
    client.force_login(worker.user)
    return client, worker


def _main(html: str) -> str:
    """The page's content: what differs between two answers if anything does."""
    return html[html.index('<main id="main-content"') : html.index("</main>")]


@pytest.mark.parametrize("debug", [True, False])
def test_an_address_that_names_nothing_gets_integras_page(worker_client, debug) -> None:
    client, _worker = worker_client
    with override_settings(DEBUG=debug):
        response = client.get("/nessuna-pagina/qui/")
        anonymous = Client().get("/nessuna-pagina/qui/")
    assert response.status_code == anonymous.status_code == 404
    for answer in (response, anonymous):
        html = answer.content.decode()
        assert NOT_FOUND_TITLE in html
        assert 'lang="it"' in html
        # Not Django's technical page, which lists the URL patterns in English.
        assert "Page not found" not in html and "URLconf" not in html


def test_a_view_raising_404_gets_integras_page_in_debug(worker_client) -> None:
    client, _worker = worker_client
    with override_settings(DEBUG=True):
        response = client.get("/persone/999999999/")
    assert response.status_code == 404
    assert NOT_FOUND_TITLE in response.content.decode()
    assert "Page not found" not in response.content.decode()


def test_a_missing_slash_still_redirects_in_debug(worker_client) -> None:
    client, _worker = worker_client
    with override_settings(DEBUG=True):
        response = client.get("/persone")
    assert (response.status_code, response["Location"]) == (301, "/persone/")


@pytest.mark.parametrize("debug", [True, False])
def test_forbidden_and_missing_person_answer_and_are_logged_alike(
    worker_client, org_b, debug
) -> None:
    client, worker = worker_client
    hidden = PersonFactory(registered_by=org_b)
    missing = hidden.pk + 1000
    pages, entries = {}, {}
    with override_settings(DEBUG=debug):
        for name, pk in (("forbidden", hidden.pk), ("missing", missing)):
            before = AccessLog.objects.count()
            response = client.get(f"/persone/{pk}/")
            assert response.status_code == 404
            pages[name] = _main(response.content.decode())
            assert AccessLog.objects.count() == before + 1
            entries[name] = AccessLog.objects.order_by("-at", "-seq").first()
    assert pages["forbidden"] == pages["missing"]
    assert NOT_FOUND_TITLE in pages["missing"]
    forbidden, missing_entry = entries["forbidden"], entries["missing"]
    for entry, pk in ((forbidden, hidden.pk), (missing_entry, missing)):
        assert (entry.outcome, entry.action) == (AccessOutcome.DENIED, AccessAction.VIEW)
        assert (entry.subject_type, entry.subject_id) == ("people.person", str(pk))
        assert entry.subject_label == f"Persona n. {pk}"
        assert entry.detail == {"lookup": {"pk": str(pk)}}
        assert (entry.user_id, entry.organization_id) == (worker.user.pk, worker.organization_id)


def test_an_address_that_names_nothing_is_logged_for_an_operator_only(worker_client) -> None:
    client, worker = worker_client
    before = AccessLog.objects.count()
    assert Client().get("/nessuna-pagina/").status_code == 404
    assert AccessLog.objects.count() == before  # a visitor is nobody to log
    assert client.get("/nessuna-pagina/").status_code == 404
    entry = AccessLog.objects.order_by("-at", "-seq").first()
    assert AccessLog.objects.count() == before + 1 and entry is not None
    assert (entry.outcome, entry.action) == (AccessOutcome.DENIED, AccessAction.VIEW)
    assert (entry.subject_type, entry.subject_id) == (REQUEST_SUBJECT_TYPE, "404")
    assert entry.subject_label == "Pagina o risorsa non trovata"
    assert entry.detail == {"status": 404, "method": "GET", "path": "/nessuna-pagina/"}
    assert entry.user_id == worker.user.pk


def test_an_api_address_that_names_nothing_is_logged(org_a, make_membership) -> None:
    from integra.accounts.services import api_token_create

    worker = make_membership(org_a, Role.SOCIAL_WORKER)
    _, raw = api_token_create(user=worker.user, membership=worker, name="t")
    before = AccessLog.objects.count()
    response = Client().get("/api/v1/nulla-qui", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    entries = list(AccessLog.objects.order_by("at", "seq")[before:])
    denied = [e for e in entries if e.outcome == AccessOutcome.DENIED]
    assert len(denied) == 1
    assert denied[0].subject_type == REQUEST_SUBJECT_TYPE
    assert denied[0].detail == {"status": 404, "method": "GET", "path": "/api/v1/nulla-qui"}


def test_a_refused_form_is_logged_as_a_denied_change(worker_client) -> None:
    """A 403 that is not about a permission (here the CSRF check) is a denied attempt too."""
    _client, worker = worker_client
    client = Client(enforce_csrf_checks=True)
    client.force_login(worker.user)
    before = AccessLog.objects.count()
    response = client.post("/persone/nuova/", {"family_names": "Rossi"})
    assert response.status_code == 403
    assert "<h1>Richiesta non accettata</h1>" in response.content.decode()  # not Django's English
    assert AccessLog.objects.count() == before + 1
    entry = AccessLog.objects.order_by("-at", "-seq").first()
    assert entry is not None
    assert (entry.outcome, entry.action) == (AccessOutcome.DENIED, AccessAction.CHANGE)
    assert (entry.subject_type, entry.subject_id) == (REQUEST_SUBJECT_TYPE, "403")
    assert entry.detail == {"status": 403, "method": "POST", "path": "/persone/nuova/"}


def test_favicon_is_the_icon_not_a_denied_attempt(client, django_user_model) -> None:
    """Browsers ask /favicon.ico on pages without our icon link (the Django admin): a 404 there
    would put a denied attempt in the access log for every such page."""
    from integra.audit.models import AccessLog

    user = django_user_model.objects.create_user(username="icona", password="x-Integra-2026!")
    client.force_login(user)
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("integra/favicon.svg")
    assert not AccessLog.objects.filter(outcome="denied").exists()
