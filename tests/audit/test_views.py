"""The auditor's page (``audit:access_log``) and CSV export (``audit:access_log_csv``)."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from integra.audit.models import AccessAction, AccessLog
from integra.audit.selectors import access_log_verify
from integra.core.permissions import Role
from tests.audit.helpers import by, log_rows

pytestmark = pytest.mark.django_db

URL = "/audit/accessi/"
CSV_URL = "/audit/accessi/esporta.csv"


@pytest.fixture
def auditor_a(org_a, make_membership):
    return make_membership(org_a, Role.AUDITOR)


@pytest.fixture
def auditor_client(client, auditor_a):
    client.force_login(auditor_a.user)
    return client


@pytest.fixture
def operators(org_a, org_b, make_membership):
    return {
        "a": make_membership(org_a, Role.SOCIAL_WORKER),
        "b": make_membership(org_b, Role.DOCTOR),
    }


def table_rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        for row in body.split("</tr>")[:-1]
    ]


def test_url_names() -> None:
    assert reverse("audit:access_log") == URL
    assert reverse("audit:access_log_csv") == CSV_URL


def test_anonymous_is_sent_to_login(client) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert "next=/audit/accessi/" in response["Location"]


@pytest.mark.parametrize(
    "role", [r for r in Role if r not in {Role.AUDITOR, Role.ORG_ADMIN, Role.SYSTEM_ADMIN}]
)
def test_operators_without_audit_permission_get_an_italian_403(
    client, org_a, make_membership, role
):
    client.force_login(make_membership(org_a, role).user)
    for url in (URL, CSV_URL):
        response = client.get(url)
        assert response.status_code == 403
        assert "Accesso non consentito" in response.content.decode()
    # Nothing of the log is read; the refusals themselves are logged.
    assert list(AccessLog.objects.order_by("seq").values_list("subject_id", "outcome")) == [
        ("audit.view", "denied"),
        ("audit.export", "denied"),
    ]


def test_table_shows_the_accesses_in_rome_time(auditor_client, org_a, operators) -> None:
    log_rows(
        {
            **by(operators["a"]),
            # 10:00 UTC on 1 July is 12:00 in Rome (summer time).
            "at": datetime(2026, 7, 1, 10, 0, 5, tzinfo=UTC),
            "client_ip": "203.0.113.9",
            "subject_label": "Colloquio con la famiglia",
            "subject_id": "42",
            "subject_organization_id": org_a.pk,
            "outcome": "denied",
            "purpose": "Presa in carico",
        }
    )

    response = auditor_client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    (row,) = table_rows(html)
    operator = operators["a"].user
    assert operator.get_full_name()  # the factory gives every operator a name
    # The operator's name beside the username; the role held then (the membership's history);
    # no person concerned ("—").
    assert row == (
        f"01/07/2026 12:00:05 {operator.get_full_name()} {operator.username} Comune di Alfa "
        "Assistente sociale 203.0.113.9 Visualizzazione Negato "
        "Nota di prova: Colloquio con la famiglia (ID 42) — Presa in carico"
    )
    # Accessible structure: one h1, headed columns, a caption, every filter labelled.
    assert html.count("<h1") == 1
    assert html.count('<th scope="col">') == 9
    assert "<caption" in html
    for name in (
        "date_from",
        "date_to",
        "username",
        "subject_type",
        "subject_id",
        "outcome",
        "action",
    ):
        assert f'<label for="id_{name}"' in html


def test_winter_time_too(auditor_client, operators) -> None:
    log_rows({**by(operators["a"]), "at": datetime(2026, 1, 15, 23, 30, tzinfo=UTC)})
    (row,) = table_rows(auditor_client.get(URL).content.decode())
    assert row.startswith("16/01/2026 00:30:00 ")


def test_auditor_sees_own_operators_and_own_records_only(
    auditor_client, org_a, org_b, operators
) -> None:
    log_rows(
        {
            **by(operators["a"]),
            "subject_label": "di A, letta da A",
            "subject_organization_id": org_a.pk,
        },
        {
            **by(operators["b"]),
            "subject_label": "di A, letta da B",
            "subject_organization_id": org_a.pk,
        },
        {
            **by(operators["b"]),
            "subject_label": "di B, letta da B",
            "subject_organization_id": org_b.pk,
        },
    )
    html = auditor_client.get(URL).content.decode()
    assert "di A, letta da A" in html and "di A, letta da B" in html
    assert "di B, letta da B" not in html


def test_viewing_the_log_is_itself_logged(auditor_client, auditor_a) -> None:
    auditor_client.get(URL, {"outcome": "denied"})
    entry = AccessLog.objects.get()
    assert (entry.user_id, entry.action, entry.subject_type) == (
        auditor_a.user.pk,
        AccessAction.LIST,
        "audit.accesslog",
    )
    assert entry.detail == {"filters": {"outcome": "denied"}, "page": 1, "rows": 0}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # Days are Rome days: bravo at 21:30 UTC on 1 July is 23:30 in Rome (1 July), charlie at
        # 22:30 UTC is 00:30 on 2 July.
        ({"date_from": "2026-07-02"}, {"delta", "charlie"}),
        ({"date_to": "2026-07-01"}, {"alpha", "bravo"}),
        ({"date_from": "2026-07-01", "date_to": "2026-07-01"}, {"alpha", "bravo"}),
        ({"date_from": "01/07/2026", "date_to": "01/07/2026"}, {"alpha", "bravo"}),
        ({"username": "MROSSI"}, {"alpha"}),
        ({"subject_type": "accounts.membership"}, {"charlie"}),
        ({"subject_id": "77"}, {"delta"}),
        ({"outcome": "denied"}, {"bravo"}),
        ({"action": "export"}, {"delta"}),
    ],
)
def test_filters(auditor_client, org_a, params, expected) -> None:
    own = {"organization_id": org_a.pk}
    log_rows(
        {
            **own,
            "username": "mrossi",
            "subject_label": "alpha",
            "at": datetime(2026, 7, 1, 6, 0, tzinfo=UTC),
        },
        {
            **own,
            "subject_label": "bravo",
            "outcome": "denied",
            "at": datetime(2026, 7, 1, 21, 30, tzinfo=UTC),
        },
        {
            **own,
            "subject_label": "charlie",
            "subject_type": "accounts.membership",
            "at": datetime(2026, 7, 1, 22, 30, tzinfo=UTC),
        },
        {
            **own,
            "subject_label": "delta",
            "subject_id": "77",
            "action": "export",
            "at": datetime(2026, 7, 3, 9, 0, tzinfo=UTC),
        },
    )
    html = auditor_client.get(URL, params).content.decode()
    shown = {label for label in ("alpha", "bravo", "charlie", "delta") if f": {label} " in html}
    assert shown == expected


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"date_from": "2026-07-02", "date_to": "2026-07-01"},
            "La data finale precede la data iniziale.",
        ),
        ({"date_from": "ieri"}, "Inserisci una data valida."),
        ({"outcome": "forse"}, "Scegli un&#x27;opzione valida"),
    ],
)
def test_bad_filters_say_why_in_italian(auditor_client, org_a, params, message) -> None:
    log_rows({"organization_id": org_a.pk, "subject_label": "qualcosa"})
    response = auditor_client.get(URL, params)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'aria-invalid="true"' in html
    assert "qualcosa" not in html
    # Nothing read, so nothing logged.
    assert AccessLog.objects.count() == 1


def test_pagination_fifty_per_page_keeps_the_filters(auditor_client, org_a) -> None:
    log_rows(
        *(
            {"organization_id": org_a.pk, "subject_id": str(n), "outcome": "denied"}
            for n in range(120)
        )
    )

    first = auditor_client.get(URL, {"outcome": "denied"}).content.decode()
    last = auditor_client.get(URL, {"outcome": "denied", "pagina": "3"}).content.decode()

    assert len(table_rows(first)) == 50
    assert "120 accessi trovati." in first
    assert "Pagina 1 di 3" in first
    assert 'href="?outcome=denied&amp;pagina=2"' in first
    assert len(table_rows(last)) == 20
    assert "(ID 0)" in last and "(ID 119)" not in last  # newest first


def test_query_count_does_not_grow_with_rows(auditor_client, org_a, org_b) -> None:
    def measure() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert auditor_client.get(URL).status_code == 200
        return len(ctx.captured_queries)

    log_rows(*({"organization_id": org_a.pk} for _ in range(3)))
    measure()  # from now on the auditor's own LIST entries (with a membership) are listed too
    few = measure()
    log_rows(
        *({"organization_id": org_a.pk} for _ in range(15)),
        *({"organization_id": org_b.pk, "subject_organization_id": org_a.pk} for _ in range(15)),
    )
    many = measure()

    assert many == few
    assert few <= 15


def test_query_count_bound(auditor_client, org_a, django_assert_max_num_queries) -> None:
    log_rows(*({"organization_id": org_a.pk} for _ in range(30)))
    with django_assert_max_num_queries(15):
        auditor_client.get(URL)


# --- CSV ------------------------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    assert response.streaming
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())  # BOM, so Excel reads UTF-8
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def test_csv_export_of_the_filtered_rows(auditor_client, auditor_a, org_a, operators) -> None:
    _denied, allowed = log_rows(
        {
            **by(operators["a"]),
            "at": datetime(2026, 7, 1, 10, 0, tzinfo=UTC),
            "outcome": "denied",
            "subject_label": "Nota è riservata",
            "subject_id": "5",
            "subject_organization_id": org_a.pk,
            "detail": {"fields": ["title"]},
        },
        {**by(operators["a"]), "outcome": "allowed", "subject_label": "non esportata"},
    )

    response = auditor_client.get(CSV_URL, {"outcome": "denied"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="registro-accessi-')
    header, *rows = read_csv(response)
    assert header == [
        "Data e ora",
        "Operatore",
        "Utente",
        "Ente dell'operatore",
        "Ruolo",
        "Operazione",
        "Tipo di dato",
        "Oggetto",
        "Persona interessata",
        "Finalità",
        "Esito",
        "Dettaglio",
        "Indirizzo client",
        "ID richiesta",
        "Catena",
        "Progressivo",
    ]
    assert rows == [
        [
            "01/07/2026 12:00:00",
            operators["a"].user.get_full_name(),
            operators["a"].user.username,
            "Comune di Alfa",
            "Assistente sociale",
            "Visualizzazione",
            "Nota di prova",
            "Nota è riservata",
            "",
            "Presa in carico",
            "Negato",
            "fields: title",
            "198.51.100.7",
            "req-test-0000001",
            str(org_a.pk % 16),  # the chain of the operator's organisation
            "1",
        ]
    ]
    # The export is itself recorded, with its filters.
    export = AccessLog.objects.get(action=AccessAction.EXPORT)
    assert export.user_id == auditor_a.user.pk
    assert export.detail == {
        "filters": {"outcome": "denied"},
        "format": "csv",
        "up_to_id": allowed.pk,
    }
    assert access_log_verify().ok


def test_csv_cells_cannot_become_formulas(auditor_client, org_a) -> None:
    log_rows({"organization_id": org_a.pk, "subject_label": '=HYPERLINK("http://x")'})
    _, row = read_csv(auditor_client.get(CSV_URL))
    assert row[7] == '\'=HYPERLINK("http://x")'


def test_csv_respects_the_auditor_scope(auditor_client, org_b) -> None:
    log_rows({"organization_id": org_b.pk, "subject_label": "altro ente"})
    _, *rows = read_csv(auditor_client.get(CSV_URL))
    assert rows == []


def test_csv_with_bad_filters_is_refused(auditor_client) -> None:
    response = auditor_client.get(CSV_URL, {"date_from": "domani"})
    assert response.status_code == 400
    assert not AccessLog.objects.filter(action=AccessAction.EXPORT).exists()


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"date_from": "0001-01-01", "date_to": "9999-12-31"}, 200),
        ({"username": "a\x00b"}, 400),
        ({"pagina": "ultima"}, 200),
        ({"pagina": "99999"}, 200),
    ],
)
def test_edge_values_never_fail(auditor_client, params, status) -> None:
    assert auditor_client.get(URL, params).status_code == status
