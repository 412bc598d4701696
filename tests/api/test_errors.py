"""Every API error is RFC 9457 problem+json with a stable ``code``."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.test import Client, RequestFactory
from django.utils import translation
from ninja.errors import HttpError, Throttled, ValidationError

from integra.api.api import api
from integra.api.errors import ApiErrorCode
from integra.core.access import PermissionRequired
from integra.core.errors import DomainError
from integra.core.permissions import Permission
from tests.api.conftest import assert_problem


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/me/nope/deeper", "/api/v1/"])
def test_unknown_route_is_problem_404_not_html(client: Client, path) -> None:
    body = assert_problem(client.get(path), 404, "not_found")
    assert body["title"] == "Risorsa non trovata"


@pytest.mark.django_db
def test_unknown_route_with_post_is_404_not_a_csrf_page(client: Client) -> None:
    assert_problem(Client(enforce_csrf_checks=True).post("/api/v1/nope"), 404, "not_found")


def test_method_not_allowed_is_problem_405_with_allow(social_worker, bearer) -> None:
    response = Client().post("/api/v1/me", **bearer(social_worker))
    body = assert_problem(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET"
    assert "POST" in body["detail"]


def test_422_names_each_bad_field_in_italian(social_worker, bearer) -> None:
    response = Client().get("/api/v1/me/tokens?limit=0&offset=-1", **bearer(social_worker))
    body = assert_problem(response, 422, "validation_error")
    assert body["title"] == "Dati non validi"
    errors = {e["field"]: e for e in body["errors"]}
    assert set(errors) == {"limit", "offset"}
    assert errors["limit"]["in"] == "query"
    assert errors["limit"]["code"] == "greater_than_equal"
    assert errors["limit"]["message"] == "Deve essere maggiore o uguale a 1."
    assert errors["offset"]["message"] == "Deve essere maggiore o uguale a 0."


def test_422_for_out_of_range_pagination(social_worker, bearer) -> None:
    """A huge offset would be a database error (OFFSET beyond bigint), and a deep one a slow
    scan: beyond 10,000 it is a 422 (integra/api/pagination.py)."""
    response = Client().get(
        "/api/v1/me/tokens?limit=99999999999999999999&offset=99999999999999999999",
        **bearer(social_worker),
    )
    body = assert_problem(response, 422, "validation_error")
    messages = {e["field"]: e["message"] for e in body["errors"]}
    assert messages == {
        "limit": "Deve essere minore o uguale a 500.",
        "offset": "Deve essere minore o uguale a 10000.",  # deeper pages: ?after= cursors
    }


def test_422_for_a_malformed_path_parameter(social_worker, bearer) -> None:
    response = Client().delete("/api/v1/me/tokens/abc", **bearer(social_worker))
    body = assert_problem(response, 422, "validation_error")
    assert body["errors"] == [
        {
            "field": "token_id",
            "in": "path",
            "code": "int_parsing",
            "message": "Deve essere un numero intero.",
        }
    ]


@pytest.mark.django_db
def test_422_for_body_fields_drops_the_parameter_name() -> None:
    request = RequestFactory().post("/api/v1/x")
    exc = ValidationError(
        [
            {"type": "missing", "loc": ("body", "payload", "name"), "msg": "Field required"},
            {
                "type": "string_too_long",
                "loc": ("body", "payload", "address", "city"),
                "msg": "String should have at most 5 characters",
                "ctx": {"max_length": 5},
            },
            {
                "type": "value_error",
                "loc": ("body", "payload", "fiscal_code"),
                "msg": "Value error, Codice fiscale non valido.",
                "ctx": {"error": "Codice fiscale non valido."},
            },
            {"type": "some_new_type", "loc": ("body", "payload", "x"), "msg": "Pydantic says no"},
        ]
    )
    body = api.on_exception(request, exc)
    errors = [(e["field"], e["message"]) for e in json.loads(body.content)["errors"]]
    assert errors == [
        ("name", "Campo obbligatorio."),
        ("address.city", "Può contenere al massimo 5 caratteri."),
        ("fiscal_code", "Codice fiscale non valido."),
        ("x", "Pydantic says no"),
    ]


@pytest.mark.django_db
def test_django_validation_error_from_a_service_is_422() -> None:
    request = RequestFactory().post("/api/v1/x")
    response = api.on_exception(
        request, DjangoValidationError({"valid_until": ["Deve seguire l'inizio."]})
    )
    assert response.status_code == 422
    body = json.loads(response.content)
    assert body["errors"] == [
        {
            "field": "valid_until",
            "in": "body",
            "code": "invalid",
            "message": "Deve seguire l'inizio.",
        }
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("exc", "status", "code", "detail"),
    [
        (
            HttpError(400, "Cannot parse request body"),
            400,
            "bad_request",
            "Il corpo della richiesta non è JSON valido.",
        ),
        (
            Throttled(wait=5),
            429,
            "rate_limited",
            "Troppe richieste in poco tempo: attendi e riprova.",
        ),
        (HttpError(409, "Il piano è già chiuso."), 409, "conflict", "Il piano è già chiuso."),
        (HttpError(418, ""), 418, "bad_request", "La richiesta non può essere eseguita."),
    ],
)
def test_http_errors_are_problems_with_italian_detail(exc, status, code, detail) -> None:
    response = api.on_exception(RequestFactory().post("/api/v1/x"), exc)
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert (body["code"], body["detail"]) == (code, detail)


@pytest.mark.django_db
def test_permission_required_is_problem_403() -> None:
    request = RequestFactory().get("/api/v1/x")
    response = api.on_exception(request, PermissionRequired(Permission.AUDIT_VIEW))
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content)["code"] == "permission_denied"


def test_uncaught_exception_is_problem_500_without_details(
    social_worker, bearer, monkeypatch, caplog
) -> None:
    def boom(**kwargs):
        raise RuntimeError("segreto: password del database")

    monkeypatch.setattr("integra.accounts.api.api_tokens_of", boom)
    response = Client().get("/api/v1/me/tokens", **bearer(social_worker))
    body = assert_problem(response, 500, "server_error")
    assert "segreto" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert body["title"] == "Errore interno"
    # The details are in the server log, with the request id to find them.
    assert "segreto: password del database" in caplog.text
    assert body["request_id"] in caplog.text


def test_problem_code_is_stable_across_languages(client: Client, db) -> None:
    italian = client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="it")
    english = client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="en")
    assert italian["Content-Language"] == "it"
    assert english["Content-Language"] == "en"
    assert italian.json()["code"] == english.json()["code"] == "unauthenticated"
    # The title goes through gettext in the request's language (the English catalogue comes
    # with the .po file; until then gettext returns the Italian msgid).
    with translation.override("en"):
        assert english.json()["title"] == str(ApiErrorCode.UNAUTHENTICATED.label)
    assert italian.json()["title"] == "Autenticazione richiesta"


def test_openapi_lists_the_token_endpoints(client: Client, db) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert set(paths["/api/v1/me/tokens"]) == {"get"}
    assert set(paths["/api/v1/me/tokens/{token_id}"]) == {"delete"}
    assert "/api/v1/me" in paths


class _ReferralErrorCode(models.TextChoices):
    INVALID = "referral_invalid", "Invio non valido"
    ALREADY_ACCEPTED = "referral_already_accepted", "Invio già accettato"


class _ReferralError(DomainError):
    """What a future app declares: its codes and the statuses that are not 422."""

    statuses = {_ReferralErrorCode.ALREADY_ACCEPTED: 409}
    api_fields = {"service": "service_id"}


@pytest.mark.django_db
def test_a_domain_error_keeps_its_code_status_and_message() -> None:
    exc = _ReferralError(
        _ReferralErrorCode.ALREADY_ACCEPTED,
        message="L'invio è già stato accettato da un altro servizio.",
    )
    response = api.on_exception(RequestFactory().post("/api/v1/x"), exc)
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert body["code"] == "referral_already_accepted"
    assert body["title"] == "Invio già accettato"
    assert body["detail"] == "L'invio è già stato accettato da un altro servizio."
    assert body["errors"] == []


@pytest.mark.django_db
def test_a_domain_error_names_each_bad_field_in_the_api_names() -> None:
    exc = _ReferralError(
        _ReferralErrorCode.INVALID,
        {"service": ["Servizio sconosciuto."], "note": ["Troppo lunga.", "Vuota."]},
    )
    response = api.on_exception(RequestFactory().post("/api/v1/x"), exc)
    assert response.status_code == 422
    body = json.loads(response.content)
    assert body["title"] == "Invio non valido"
    # Several messages: the detail says so rather than picking one.
    assert body["detail"] == "Uno o più dati non sono validi: correggili."
    assert body["errors"] == [
        {
            "field": "service_id",
            "in": "body",
            "code": "referral_invalid",
            "message": "Servizio sconosciuto.",
        },
        {"field": "note", "in": "body", "code": "referral_invalid", "message": "Troppo lunga."},
        {"field": "note", "in": "body", "code": "referral_invalid", "message": "Vuota."},
    ]


def test_a_domain_error_with_one_message_uses_it_as_detail() -> None:
    exc = _ReferralError(_ReferralErrorCode.INVALID, {"service": ["Servizio sconosciuto."]})
    assert exc.message == "Servizio sconosciuto."
    assert str(exc) == "Servizio sconosciuto."
    assert exc.status == 422


@pytest.mark.django_db
def test_nul_characters_are_refused_anywhere_in_a_body_or_query(client) -> None:
    """PostgreSQL text cannot hold NUL: one parser answers 422 for every endpoint (found by
    schemathesis on /persons/check-duplicates, deep inside a list of identifiers)."""
    from integra.api.parser import _nul_paths

    assert _nul_paths({"a": ["ok", {"b": "x\x00y"}], "c\x00": 1}) == [("a", "1", "b"), ("c",)]
    assert _nul_paths({"a": "ok", "n": 3}) == []


@pytest.mark.django_db
def test_a_nul_in_a_body_is_a_422_naming_the_field(client, org_a, make_membership) -> None:
    from integra.accounts.services import api_token_create
    from integra.core.permissions import Role

    membership = make_membership(org_a, Role.PUA_OPERATOR)
    _, raw = api_token_create(user=membership.user, membership=membership, name="nul")
    response = client.post(
        "/api/v1/persons/check-duplicates",
        data='{"family_names": "Ros\\u0000si", "given_names": "Mario"}',
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert [(e["field"], e["code"]) for e in body["errors"]] == [("family_names", "nul_character")]
