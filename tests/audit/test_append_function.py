"""The access log written in one statement by ``audit_access_log_append`` (migration audit 0006):
the database hashes each row over ``chain.canonical_parts``, and the rows verify with the same
``row_hash`` as every row written before it."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from integra.audit.chain import CHAIN_VERSION, CHAINED_FIELDS, canonical_parts, row_hash
from integra.audit.models import AccessLog
from integra.audit.selectors import access_log_verify
from tests.audit.helpers import log_rows

pytestmark = pytest.mark.django_db

# Values whose canonical text is easy to get wrong: quotes, backslashes, control characters,
# non-ASCII letters, U+2028, nested keys out of order, an IPv6 address, microseconds.
AWKWARD = {
    "at": datetime(2026, 7, 1, 10, 0, 0, 123456, tzinfo=UTC),
    "user_id": 31,
    "username": 'anna.o\'brien "è" \\ \n\t\x01',
    "membership_id": 7,
    "organization_id": 5,
    "client_ip": "2001:db8::1",
    "subject_label": "Persona n. 12\u2028",
    "person_id": 12,
    "detail": {"z": [1, "ü", {"b": None, "a": True}], "A": "x", "é": {"n": "10000000000000000000"}},
    "purpose": "Presa in carico — verifica",
}


def test_the_parts_joined_are_the_canonical_form_that_row_hash_hashes() -> None:
    values = {**AWKWARD, "version": CHAIN_VERSION, "shard": 11, "seq": 1234}
    values["prev_hash"] = "ab" * 32
    parts = canonical_parts(values)
    assert len(parts) == 4
    text = parts[0] + json.dumps(values["prev_hash"]) + parts[1] + "1234" + parts[2] + "11"
    text += parts[3]
    assert hashlib.sha256(text.encode()).hexdigest() == row_hash(values)


def test_rows_written_by_the_database_verify_and_link() -> None:
    first, second = log_rows(AWKWARD, {**AWKWARD, "client_ip": "203.0.113.9", "detail": {}})
    assert (first.shard, second.shard) == (5, 5)  # organisation 5 -> chain 5 of 16
    assert second.seq == first.seq + 1 and second.prev_hash == first.hash
    for row in (first, second):
        stored = AccessLog.objects.values(*CHAINED_FIELDS, "hash").get(pk=row.pk)
        assert stored["hash"] == row_hash(stored) == row.hash
    assert first.at == AWKWARD["at"] and first.detail == AWKWARD["detail"]
    report = access_log_verify()
    assert (report.ok, report.rows_checked) == (True, 2)


def test_an_entry_is_one_statement() -> None:
    log_rows({"organization_id": 3})  # the chain exists: the next write is the steady state
    with CaptureQueriesContext(connection) as queries:
        log_rows({"organization_id": 3})
    statements = [q["sql"] for q in queries.captured_queries]
    assert len(statements) == 1 and "audit_access_log_append" in statements[0]


def test_a_busy_chain_sends_the_writer_to_the_next_free_one() -> None:
    other = connections.create_connection("default")  # another session holds chain 3
    try:
        other.set_autocommit(False)
        with other.cursor() as locker:
            locker.execute("SELECT pg_advisory_xact_lock(7318246, 3)")
        (row,) = log_rows({"organization_id": 3})
        other.rollback()
    finally:
        other.close()
    assert row.shard == 4
