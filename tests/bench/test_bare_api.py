"""The capture and replay of ``bench/api.py`` (``bench/bare_api.py``), so that the benchmark
cannot rot silently: for each endpoint it measures, the statements captured from the
application are replayed by the bare handler, in a process without Django, with the same
count and an intact access-log chain."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from psycopg.conninfo import make_conninfo

from bench.bare_api import BEGIN, COMMIT, capture, save
from integra.accounts.services import api_token_create
from integra.audit.models import AccessLog
from integra.audit.selectors import access_log_verify
from integra.core.permissions import Role
from integra.organizations.models import OrganizationKind
from tests.factories import OrganizationFactory
from tests.intake.factories import IntakeRequestFactory, PuaPointFactory
from tests.people.factories import PersonFactory, PersonIdentifierFactory

REPO = Path(__file__).resolve().parents[2]

# Run in a fresh interpreter: the bare server has no Django, so the capture must unpickle and
# replay without it.
_REPLAY = """
import json, sys
from bench import bare_api
out = []
for authorization, path in json.loads(sys.argv[1]):
    route, _, query = path.partition("?")
    answer = {}
    body = bare_api.application(
        {"PATH_INFO": route, "QUERY_STRING": query, "HTTP_AUTHORIZATION": authorization},
        lambda status, headers: answer.update(status=status, headers=dict(headers)),
    )
    out.append([answer["status"], answer["headers"].get("X-Bench-Statements"), len(body[0])])
print(json.dumps({"answers": out, "django": "django" in sys.modules}))
"""


@pytest.mark.django_db(transaction=True)
def test_each_endpoint_replays_its_captured_statements(make_membership, tmp_path) -> None:
    asst = OrganizationFactory(kind=OrganizationKind.HEALTH_AUTHORITY)
    membership = make_membership(asst, Role.PUA_OPERATOR)
    _token, raw = api_token_create(user=membership.user, membership=membership, name="bench")
    authorization = f"Bearer {raw}"
    person = PersonFactory(family_names="Bianchi", given_names="Anna", registered_by=asst)
    code = PersonIdentifierFactory(person=person).value
    for n in range(3):
        PersonFactory(family_names=f"Verdi{n}", registered_by=asst)
    IntakeRequestFactory(pua=PuaPointFactory(organization=asst), person=person)

    client = Client()
    paths = [
        "/api/v1/persons?limit=2",
        f"/api/v1/persons/{person.pk}",
        "/api/v1/persons/search?" + urlencode({"q": "Bianchi Anma"}),
        "/api/v1/persons/search?" + urlencode({"q": code}),
        "/api/v1/pua/requests?limit=25",
    ]
    first_page = client.get(paths[0], HTTP_AUTHORIZATION=authorization).json()
    assert len(first_page["items"]) == 2 and first_page["next"]
    paths.append("/api/v1/persons?" + urlencode({"limit": 2, "after": first_page["next"]}))

    captures = []
    for path in paths:
        client.get(path, HTTP_AUTHORIZATION=authorization)  # warm-up, as the benchmark does
        captured = capture(client, path, authorization)
        assert captured.status == 200, path
        sql = [s.sql for s in captured.statements if not s.marker]
        # The token check first, the access-log entry last (one call of the SQL function).
        assert "accounts_apitoken" in sql[0], path
        assert "audit_access_log_append" in sql[-1], path
        assert sum("audit_access_log_append" in s for s in sql) == 1, path
        markers = [s.sql for s in captured.statements if s.marker]
        assert markers == [BEGIN, COMMIT] * captured.transactions, path
        captures.append(captured)
    # No hot path opens a transaction of its own (the name search did, to set pg_trgm's
    # threshold, until the word search: people 0016).
    assert [c.transactions for c in captures] == [0] * len(captures)

    capture_file = tmp_path / "capture.pickle"
    save(captures, capture_file)
    settings = connection.settings_dict
    conninfo = make_conninfo(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
    )
    entries_before = AccessLog.objects.count()
    requests = [[c.authorization, c.path] for c in captures] + [["", "/null"], ["", "/nowhere"]]
    result = subprocess.run(
        [sys.executable, "-c", _REPLAY, json.dumps(requests)],
        cwd=REPO,
        env={
            **os.environ,
            "BENCH_DATABASE_URL": conninfo,
            "BENCH_CAPTURE_FILE": str(capture_file),
        },
        capture_output=True,
        text=True,
        check=True,
    )
    replayed = json.loads(result.stdout)
    assert replayed["django"] is False
    answers = replayed["answers"]
    for captured, (status, statements, size) in zip(captures, answers, strict=False):
        assert status == "200 OK", captured.path
        assert int(statements) == captured.queries, captured.path
        assert size > 20, captured.path
    assert answers[-2][:2] == ["200 OK", None]
    assert answers[-1][:2] == ["404 Not Found", None]
    # One new, valid entry per replayed request, chained as the application chains them.
    assert AccessLog.objects.count() == entries_before + len(captures)
    assert access_log_verify().ok
