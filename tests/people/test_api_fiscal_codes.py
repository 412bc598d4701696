"""GET /api/v1/fiscal-codes/{code}: an invalid code is an answer, garbage is a 422.

Codes computed by hand in test_identifiers.py (DM 23/12/1976 n. 13813 for the codice fiscale;
Ministero della Salute circolari 3/8/2007 and 19/2/2008 for STP/ENI).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from integra.core.permissions import Role
from tests.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/fiscal-codes"


@pytest.fixture
def operator_client(client: Client, org_a, make_membership) -> Client:
    client.force_login(make_membership(org_a, Role.SOCIAL_WORKER).user)
    return client


def test_requires_authentication(client: Client) -> None:
    response = client.get(f"{BASE}/RSSMRA80A01H501U")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_valid_code(operator_client: Client) -> None:
    MunicipalityFactory(belfiore_code="F205", name="Milano", province_code="MI")
    response = operator_client.get(f"{BASE}/bnc nna 85l62 f205j")
    assert response.status_code == 200
    assert response.json() == {
        "code": "bnc nna 85l62 f205j",
        "normalised": "BNCNNA85L62F205J",
        "kind": "cf",
        "valid": True,
        "errors": [],
        "omocodia": False,
        "omocodia_normalised": None,
        "sex": "F",
        "birth_day": 22,
        "birth_month": 7,
        "birth_year_two_digits": 85,
        "birth_date_candidates": ["1985-07-22"],
        "birth_place": {
            "code": "F205",
            "name": "Milano",
            "province": "MI",
            "country": None,
            "kind": "comune",
        },
        "stp_eni": None,
        "team": None,
        "mismatches": [],
    }


def test_invalid_code_is_an_answer_with_reasons(operator_client: Client) -> None:
    # 31 April (D = April) and a wrong check character: both reasons are given.
    body = operator_client.get(f"{BASE}/RSSMRA80D31H501U").json()
    assert body["valid"] is False
    assert body["kind"] == "cf"
    assert [e["code"] for e in body["errors"]] == ["check_character", "impossible_date"]
    assert all(e["message"] for e in body["errors"])
    assert body["birth_date_candidates"] == []


def test_omocodic_and_foreign_code(operator_client: Client) -> None:
    body = operator_client.get(f"{BASE}/RSSMRA80A01H50MM").json()
    assert body["valid"] and body["omocodia"]
    assert body["omocodia_normalised"] == "RSSMRA80A01H501U"
    foreign = operator_client.get(f"{BASE}/HXHRBN90C15Z100X").json()
    assert foreign["birth_place"] == {
        "code": "Z100",
        "name": "Albania",
        "province": None,
        "country": "Albania",
        "kind": "foreign_country",
    }


def test_both_centuries(operator_client: Client) -> None:
    body = operator_client.get(f"{BASE}/RSSMRA25A01H501L").json()
    assert body["birth_date_candidates"] == ["1925-01-01", "2025-01-01"]


def test_stp_eni_provisional_and_team(operator_client: Client) -> None:
    stp = operator_client.get(f"{BASE}/STP0301230000001").json()
    assert stp["kind"] == "stp" and stp["valid"]
    assert stp["stp_eni"] == {
        "kind": "stp",
        "region_code": "030",
        "region": "Lombardia",
        "issuer_code": "123",
        "progressive": "0000001",
    }
    assert stp["birth_place"] is None and stp["sex"] is None
    eni = operator_client.get(f"{BASE}/ENI0431230000001").json()
    assert eni["valid"] is False and [e["code"] for e in eni["errors"]] == ["region"]
    provisional = operator_client.get(f"{BASE}/06363391001").json()
    assert provisional["kind"] == "cf_provisional" and provisional["valid"]
    team = operator_client.get(f"{BASE}/80380000120000000001", {"country": "DE"}).json()
    assert team["kind"] == "team" and team["valid"]
    assert team["team"] == {"country": "DE", "number": "80380000120000000001"}
    unknown = operator_client.get(f"{BASE}/12AB").json()
    assert unknown["kind"] is None and unknown["errors"][0]["code"] == "format"


def test_mismatches(operator_client: Client) -> None:
    params = {"sex": "M", "birth_date": "1985-07-23", "birth_place": "h501"}
    body = operator_client.get(f"{BASE}/BNCNNA85L62F205J", params).json()
    assert body["valid"] is True  # warnings, not errors
    assert [m["field"] for m in body["mismatches"]] == ["sex", "birth_date", "birth_place"]
    agreeing = {"sex": "F", "birth_date": "1985-07-22", "birth_place": "F205"}
    assert operator_client.get(f"{BASE}/BNCNNA85L62F205J", agreeing).json()["mismatches"] == []


@pytest.mark.parametrize(
    "path",
    [
        "RSSMRA80A01H501U" * 3,  # 48 characters
        "RSSMRA80A01H501-U",
        "RSSMRA80A01H501%3BU",  # ";"
    ],
)
def test_garbage_is_422_naming_code(operator_client: Client, path: str) -> None:
    response = operator_client.get(f"{BASE}/{path}")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert [(e["field"], e["in"]) for e in errors] == [("code", "path")]
    assert errors[0]["message"] in {
        "Può contenere al massimo 32 caratteri.",
        "Il codice può contenere solo lettere, cifre e spazi.",
    }


def test_bad_query_params_are_422(operator_client: Client) -> None:
    response = operator_client.get(
        f"{BASE}/RSSMRA80A01H501U", {"sex": "X", "birth_date": "1980-13-01", "birth_place": "Roma"}
    )
    assert response.status_code == 422
    fields = sorted(e["field"] for e in response.json()["errors"])
    assert fields == ["birth_date", "birth_place", "sex"]


def test_query_count(operator_client: Client) -> None:
    MunicipalityFactory(belfiore_code="F205", name="Milano", province_code="MI")

    def count(path: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            operator_client.get(f"{BASE}/{path}")
        return len(ctx.captured_queries)

    count("BNCNNA85L62F205J")  # warm-up (session, caches)
    # Authentication alone: refused at validation, before the handler runs.
    overhead = count("RSSMRA80A01H501-U")
    assert count("BNCNNA85L62F205J") - overhead <= 2
    assert count("BNCNNA85L62F205J") - overhead == 1  # the Comune's name
    assert count("HXHRBN90C15Z100X") - overhead == 0  # foreign country: library data
