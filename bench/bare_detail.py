"""The bare handler of ``bench/person_detail.py``: ``GET /api/v1/persons/{id}`` answered by a
plain WSGI function running the statements the detail needs, with psycopg and nothing else.

    BENCH_DATABASE_URL=postgres://… gunicorn -c python:integra.gunicorn_config bench.bare_detail

Per request, on one connection per worker (psycopg prepares a statement after its fifth use):

1. the token: one statement checking that it is usable now (hash, not revoked, not expired, the
   operator active, the membership current);
2. the data: one statement for the person, the places' and the registering organisation's
   names, whether the actor reads the content (registered by the actor's organisation, sharing
   consent in force, open emergency access) and the identifiers (``json_agg``);
3. the access-log entry, in the statements of the issue's measurement — BEGIN, the chain's
   advisory lock, the chain's head, INSERT, COMMIT — hashed in Python with
   ``integra.audit.chain.row_hash`` (stdlib only), exactly as the application writes it; or,
   with ``BENCH_BARE_LOG=function``, one call of ``audit_access_log_append`` (the SQL function
   the application uses since migration audit 0006).

It serves only the actor of the benchmark (a PUA operator, who knows every person): the known
check of other organisations (care relationships) is not needed for it. ``/null`` answers
without touching the database: the ceiling of the load generator and the server.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import psycopg

from integra.audit.chain import CHAIN_VERSION, GENESIS_HASH, canonical_parts, row_hash

AUTH_SQL = """
SELECT u.id, u.username, m.id, m.organization_id
FROM accounts_apitoken t
JOIN accounts_user u ON u.id = t.user_id
JOIN accounts_membership m ON m.id = t.membership_id
WHERE t.token_hash = %s AND t.revoked_at IS NULL
  AND (t.expires_at IS NULL OR t.expires_at > now())
  AND u.is_active AND m.is_active AND m.valid_from <= current_date
  AND (m.valid_until IS NULL OR m.valid_until >= current_date)
"""

PERSON_SQL = """
SELECT p.id, p.family_names, p.given_names, p.sex, p.birth_date,
       p.birth_place_municipality_id, p.birth_place_code, p.citizenships, p.languages,
       p.needs_cultural_mediator, p.marital_status, p.education, p.employment,
       p.living_situation, p.residence_address, p.residence_municipality_id,
       p.domicile_address, p.domicile_municipality_id, p.phone, p.email,
       p.legal_guardian_name, p.legal_guardian_kind, p.family_doctor_name, p.status,
       p.merged_into_id, p.registered_by_id, p.created_at, p.updated_at,
       rm.name, dm.name, o.name, o.phone, o.email, o.pec,
       (p.registered_by_id = %(org)s
        OR (c.status = 'given' AND (c.expires_on IS NULL OR c.expires_on >= current_date))
        OR EXISTS (SELECT 1 FROM people_emergencyaccess e WHERE e.person_id = p.id
                   AND e.membership_id = %(membership)s AND e.user_id = %(user)s
                   AND e.expires_at > now())) AS readable,
       (SELECT coalesce(json_agg(json_build_object(
                 'id', i.id, 'kind', i.kind, 'value', i.value,
                 'issuing_country', i.issuing_country, 'issued_on', i.issued_on,
                 'valid_until', i.valid_until, 'is_primary', i.is_primary)
               ORDER BY i.is_primary DESC, i.kind, i.id), '[]')
        FROM people_personidentifier i WHERE i.person_id = p.id) AS identifiers
FROM people_person p
JOIN organizations_organization o ON o.id = p.registered_by_id
LEFT JOIN core_municipality rm ON rm.id = p.residence_municipality_id
LEFT JOIN core_municipality dm ON dm.id = p.domicile_municipality_id
LEFT JOIN LATERAL (
    SELECT status, expires_on FROM people_consent
    WHERE person_id = coalesce(p.merged_into_id, p.id) AND purpose = 'sharing'
    ORDER BY decided_on DESC, id DESC LIMIT 1) c ON true
WHERE p.id = %(person)s
"""

PERSON_COLUMNS = [
    "id",
    "family_names",
    "given_names",
    "sex",
    "birth_date",
    "birth_place_municipality_id",
    "birth_place_code",
    "citizenships",
    "languages",
    "needs_cultural_mediator",
    "marital_status",
    "education",
    "employment",
    "living_situation",
    "residence_address",
    "residence_municipality_id",
    "domicile_address",
    "domicile_municipality_id",
    "phone",
    "email",
    "legal_guardian_name",
    "legal_guardian_kind",
    "family_doctor_name",
    "status",
    "merged_into_id",
    "registered_by_id",
    "created_at",
    "updated_at",
]

LOG_COLUMNS = (
    "shard", "seq", "version", "at", "user_id", "username", "membership_id", "organization_id",
    "client_ip", "request_id", "action", "outcome", "subject_type", "subject_id",
    "subject_label", "subject_organization_id", "person_id", "detail", "purpose", "prev_hash",
    "hash",
)  # fmt: skip
INSERT_SQL = (
    f"INSERT INTO audit_accesslog ({', '.join(LOG_COLUMNS)}) "
    f"VALUES ({', '.join(['%s'] * len(LOG_COLUMNS))})"
)
SHARDS = int(os.environ.get("AUDIT_LOG_SHARDS", "16"))
LOCK_CLASS = 7_318_246  # integra.audit.services._CHAIN_LOCK_CLASS
PATH = re.compile(r"^/api/v1/persons/(\d+)$")

_connection: psycopg.Connection[Any] | None = None


def connection() -> psycopg.Connection[Any]:
    global _connection
    if _connection is None or _connection.closed:
        _connection = psycopg.connect(
            os.environ["BENCH_DATABASE_URL"], autocommit=True, options="-c jit=off"
        )
    return _connection


def write_log(conn: psycopg.Connection[Any], entry: dict[str, Any]) -> None:
    """The entry appended to its organisation's chain (or the next free one), as
    ``integra.audit.services.access_log_write`` does, in five statements."""
    preferred = (entry["organization_id"] or 0) % SHARDS
    with conn.transaction(), conn.cursor() as cursor:
        shard = preferred
        for offset in range(SHARDS):
            candidate = (preferred + offset) % SHARDS
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [LOCK_CLASS, candidate])
            if cursor.fetchone()[0]:  # type: ignore[index]
                shard = candidate
                break
        else:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_CLASS, preferred])
        cursor.execute(
            "SELECT seq, hash FROM audit_accesslog WHERE shard = %s ORDER BY seq DESC LIMIT 1",
            [shard],
        )
        head = cursor.fetchone()
        seq, prev_hash = (head[0], head[1]) if head else (0, GENESIS_HASH)
        values = {**entry, "version": CHAIN_VERSION, "shard": shard, "seq": seq + 1}
        values["prev_hash"] = prev_hash
        values["hash"] = row_hash(values)
        values["detail"] = psycopg.types.json.Jsonb(values["detail"])
        cursor.execute(INSERT_SQL, [values[c] for c in LOG_COLUMNS])


def write_log_function(conn: psycopg.Connection[Any], entry: dict[str, Any]) -> None:
    """The entry appended by the application's SQL function (migration audit 0006), in one
    statement."""
    values = {**entry, "version": CHAIN_VERSION}
    row = {**values, "at": values["at"].isoformat(), "parts": canonical_parts(values)}
    preferred = (entry["organization_id"] or 0) % SHARDS
    conn.execute(
        "SELECT 1 FROM audit_access_log_append(%s, %s, %s, %s::jsonb)",
        [LOCK_CLASS, SHARDS, preferred, json.dumps([row])],
    )


def detail(person_id: int, raw_token: str) -> tuple[str, bytes]:
    conn = connection()
    token = conn.execute(AUTH_SQL, [hashlib.sha256(raw_token.encode()).hexdigest()]).fetchone()
    if token is None:
        return "401 Unauthorized", b'{"detail": "token"}'
    user_id, username, membership_id, organization_id = token
    row = conn.execute(
        PERSON_SQL,
        {"org": organization_id, "membership": membership_id, "user": user_id, "person": person_id},
    ).fetchone()
    if row is None:
        return "404 Not Found", b'{"detail": "not found"}'
    readable = row[34]
    if readable:
        body: dict[str, Any] = dict(zip(PERSON_COLUMNS, row[:28], strict=True))
        body["competent_municipality"] = row[28] or row[29]
        body["registered_by"] = row[30]
        body["identifiers"] = row[35]
        body["limited"] = False
    else:
        contact = {"organization_id": row[25], "name": row[30], "phone": row[31]}
        contact |= {"email": row[32], "pec": row[33]}
        body = {"limited": True, "known": True, "id": row[0], "contacts": [contact]}
        body["reason"] = "Manca il consenso alla condivisione"
    entry = {
        "at": datetime.now(UTC),
        "user_id": user_id,
        "username": username,
        "membership_id": membership_id,
        "organization_id": organization_id,
        "client_ip": "127.0.0.1",
        "request_id": uuid.uuid4().hex,
        "action": "view",
        "outcome": "allowed",
        "subject_type": "people.person",
        "subject_id": str(person_id),
        "subject_label": f"Persona n. {person_id}",
        "subject_organization_id": row[25],
        "person_id": person_id,
        "detail": {"view": "anagrafica" if readable else "limitata"},
        "purpose": "",
    }
    if os.environ.get("BENCH_BARE_LOG") == "function":
        write_log_function(conn, entry)
    else:
        write_log(conn, entry)
    return "200 OK", json.dumps(body, default=str).encode()


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "")
    if path == "/null":
        status, body = "200 OK", b"{}"
    elif (match := PATH.match(path)) is not None:
        auth = environ.get("HTTP_AUTHORIZATION", "")
        status, body = detail(int(match.group(1)), auth.removeprefix("Bearer ").strip())
    else:
        status, body = "404 Not Found", b"{}"
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]
