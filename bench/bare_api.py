"""The bare side of ``bench/api.py``: the application's own SQL, captured once per request and
replayed by a plain WSGI function over psycopg.

    BENCH_DATABASE_URL=postgres://… BENCH_CAPTURE_FILE=/tmp/….pickle \\
        gunicorn -c python:integra.gunicorn_config bench.bare_api

:func:`capture` (in the benchmark's process, with Django) sends one request through the whole
application in-process (``django.test.Client``, the same middleware, token and settings as the
gunicorn server) and records every statement Django sends — the SQL with its parameters, as
``connection.execute_wrapper`` sees it — and where a transaction begins and ends (Django's
``set_autocommit(False)`` / ``commit()`` / ``rollback()``; savepoints are statements and are
recorded as such). :func:`application` (in the bare server, without Django) answers the same
path with the same ``Authorization`` by running those statements, in order, on one connection
per worker, and returns the rows it read as JSON.

So the bare side costs what the database costs for the request, plus a minimal Python loop:
the ratio Integra ÷ bare is the application's own overhead (middleware, authentication, ORM
compilation, the gate, serialisation). What the replay does not copy:

- decisions: it runs the captured statements whatever they return (the token check, the
  scope); it is a replay of one request, not an application;
- the access-log entry (one ``audit_access_log_append(...)`` call since migration audit 0006):
  replayed with a fresh time and request id, its canonical form recomputed with
  ``integra.audit.chain.canonical_parts`` (stdlib only), so that each replay appends a new,
  valid entry to the chain as the application does;
- the token's ``last_used_at`` update, which the application runs at most once a minute per
  token: dropped from the capture (counted in :attr:`Captured.dropped`);
- binding: Django's psycopg backend binds parameters on the client (``ClientCursor``: the
  values are interpolated into the text, no server-side prepared statements), and so does the
  replay by default (``BENCH_BINDING=client``); ``BENCH_BINDING=server`` binds them on the
  server instead, and psycopg then prepares a statement after its fifth use on a connection.

``/null`` answers without touching the database: the ceiling of the load generator.
"""

from __future__ import annotations

import enum
import json
import os
import pickle
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from time import perf_counter
from typing import Any

import psycopg

from integra.audit.chain import canonical_parts

BEGIN, COMMIT, ROLLBACK = "BEGIN", "COMMIT", "ROLLBACK"
_APPEND = "audit_access_log_append"
_LAST_USED_UPDATE = 'UPDATE "accounts_apitoken" SET "last_used_at"'


@dataclass
class Statement:
    """One statement as Django sent it (``sql`` with ``%s`` placeholders and ``params``), or a
    transaction boundary (``sql`` is BEGIN, COMMIT or ROLLBACK and ``marker`` is true)."""

    sql: str
    params: Any = None
    many: bool = False
    marker: bool = False


@dataclass
class Captured:
    """The statements of one request, in order, and what the application answered."""

    path: str
    authorization: str
    status: int
    body_bytes: int
    statements: list[Statement] = field(default_factory=list)
    dropped: int = 0
    # In-process time of the captured request, and of it the time spent in the database calls
    # (the SQL's execution and the rows' transfer, as Django's cursor returns).
    seconds: float = 0.0
    sql_seconds: float = 0.0

    @property
    def queries(self) -> int:
        """Statements sent to the database (savepoints included, BEGIN/COMMIT not)."""
        return sum(1 for s in self.statements if not s.marker)

    @property
    def transactions(self) -> int:
        return sum(1 for s in self.statements if s.marker and s.sql == BEGIN)


def capture(client: Any, path: str, authorization: str) -> Captured:
    """Send ``GET path`` through the application in-process and record its statements.

    ``client`` is a ``django.test.Client``; the caller warms the request up first (a first
    request opens the connection, fills caches and writes the process's first checkpoint,
    which steady-state requests do not)."""
    from django.db import DEFAULT_DB_ALIAS, connections

    recorded: list[Statement] = []
    dropped = 0
    sql_seconds = 0.0

    def record(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal dropped, sql_seconds
        if sql.startswith(_LAST_USED_UPDATE):
            dropped += 1
        else:
            recorded.append(Statement(sql, _plain(params, many=many), many))
        start = perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            sql_seconds += perf_counter() - start

    # The thread's own connection object (``django.db.connection`` is a proxy to it), its
    # methods shadowed by instance attributes for the time of the request.
    real = connections[DEFAULT_DB_ALIAS]
    set_autocommit, commit, rollback = real.set_autocommit, real.commit, real.rollback

    def traced_set_autocommit(autocommit: bool, *args: Any, **kwargs: Any) -> None:
        if not autocommit:
            recorded.append(Statement(BEGIN, marker=True))
        set_autocommit(autocommit, *args, **kwargs)

    def traced_commit() -> None:
        recorded.append(Statement(COMMIT, marker=True))
        commit()

    def traced_rollback() -> None:
        recorded.append(Statement(ROLLBACK, marker=True))
        rollback()

    real.set_autocommit = traced_set_autocommit  # type: ignore[method-assign]
    real.commit = traced_commit  # type: ignore[method-assign]
    real.rollback = traced_rollback  # type: ignore[method-assign]
    try:
        with real.execute_wrapper(record):
            start = perf_counter()
            response = client.get(path, HTTP_AUTHORIZATION=authorization)
            body = response.content
            response.close()
            seconds = perf_counter() - start
    finally:
        for name in ("set_autocommit", "commit", "rollback"):
            del real.__dict__[name]
    statements = _without_empty(recorded)
    status = response.status_code
    return Captured(
        path, authorization, status, len(body), statements, dropped, seconds, sql_seconds
    )


def _without_empty(statements: list[Statement]) -> list[Statement]:
    """Without the transactions in which nothing was sent: psycopg sends BEGIN only before a
    transaction's first statement, so such a transaction never reaches the database."""
    kept: list[Statement] = []
    for statement in statements:
        closes = statement.marker and statement.sql in (COMMIT, ROLLBACK)
        if closes and kept and kept[-1].marker and kept[-1].sql == BEGIN:
            kept.pop()
            continue
        kept.append(statement)
    return kept


def _plain(params: Any, *, many: bool = False) -> Any:
    """The parameters in plain Python types, so that the bare server unpickles them without
    Django (Django's choices are enums of its models; JSON comes as psycopg ``Jsonb`` wrappers,
    whose dumps function may not pickle); psycopg adapts them alike."""
    if params is None:
        return None
    if many:
        return [_plain(p) for p in params]
    if isinstance(params, dict):
        return {k: _plain_value(v) for k, v in params.items()}
    return [_plain_value(v) for v in params]


_PLAIN_TYPES = (bool, int, float, bytes, datetime, date, time, timedelta, Decimal, uuid.UUID)


def _plain_value(value: Any) -> Any:
    from psycopg.types.json import Json, Jsonb

    if value is None or type(value) in (*_PLAIN_TYPES, str):
        return value
    if isinstance(value, Json | Jsonb):
        return _JsonbText(value.dumps(value.obj))
    if isinstance(value, enum.Enum):
        return _plain_value(value.value)
    if isinstance(value, str):
        return value.encode().decode()
    if isinstance(value, list | tuple):
        return [_plain_value(v) for v in value]
    if type(value).__module__.startswith("psycopg.") or isinstance(value, _PLAIN_TYPES):
        return value  # Int4 and the like: psycopg's own numeric wrappers
    raise TypeError(f"parameter of type {type(value)!r} not captured")


@dataclass(frozen=True)
class _JsonbText:
    """A JSON parameter already serialised (replayed as ``Jsonb`` of the same text)."""

    text: str


def save(captures: list[Captured], path: Path) -> None:
    path.write_bytes(pickle.dumps(captures))


# --- the bare server ------------------------------------------------------------------------

_connection: psycopg.Connection[Any] | None = None
_captures: dict[tuple[str, str], Captured] | None = None


def _load() -> dict[tuple[str, str], Captured]:
    global _captures
    if _captures is None:
        with open(os.environ["BENCH_CAPTURE_FILE"], "rb") as stream:
            items: list[Captured] = pickle.load(stream)  # noqa: S301 - our own file
        _captures = {(c.authorization, c.path): c for c in items}
    return _captures


def connection() -> psycopg.Connection[Any]:
    global _connection
    if _connection is None or _connection.closed:
        _connection = psycopg.connect(
            os.environ["BENCH_DATABASE_URL"], autocommit=True, options="-c jit=off"
        )
    return _connection


def _adapt(params: Any) -> Any:
    from psycopg.types.json import Jsonb

    if params is None:
        return None
    if isinstance(params, dict):
        return {k: _adapt(v) if isinstance(v, _JsonbText) else v for k, v in params.items()}
    return [Jsonb(v.text, dumps=_as_is) if isinstance(v, _JsonbText) else v for v in params]


def _as_is(text: str) -> str:
    return text


def _fresh_entries(params: list[Any]) -> list[Any]:
    """The access-log append's parameters with a new time and request id per entry, hashed
    again as ``integra.audit.services.access_log_write`` does."""
    rows = []
    for row in json.loads(params[3]):
        values = {k: v for k, v in row.items() if k != "parts"}
        values["at"] = datetime.now(UTC)
        values["request_id"] = uuid.uuid4().hex
        rows.append({**values, "at": values["at"].isoformat(), "parts": canonical_parts(values)})
    return [*params[:3], json.dumps(rows)]


def replay(conn: psycopg.Connection[Any], captured: Captured) -> tuple[int, list[Any]]:
    """Run the captured statements; the number run and the rows read (access-log rows
    excepted)."""
    binding = os.environ.get("BENCH_BINDING", "client")
    cursor: psycopg.Cursor[Any] = (
        psycopg.ClientCursor(conn) if binding == "client" else conn.cursor()
    )
    count = 0
    rows: list[Any] = []
    with cursor:
        for statement in captured.statements:
            if statement.marker:
                cursor.execute(statement.sql)
                continue
            params = _adapt(statement.params) if not statement.many else None
            if _APPEND in statement.sql:
                params = _fresh_entries(params)
            if statement.many:
                cursor.executemany(statement.sql, [_adapt(p) for p in statement.params])
            elif params is None:
                cursor.execute(statement.sql)
            else:
                cursor.execute(statement.sql, params)
            count += 1
            if cursor.description is not None:
                fetched = cursor.fetchall()
                if _APPEND not in statement.sql:
                    rows.append(fetched)
    return count, rows


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date | Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, memoryview | bytes):
        return bytes(value).hex()
    return str(value)


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "")
    query = environ.get("QUERY_STRING", "")
    headers: list[tuple[str, str]] = [("Content-Type", "application/json")]
    if path == "/null":
        status, body = "200 OK", b"{}"
    else:
        full = f"{path}?{query}" if query else path
        captured = _load().get((environ.get("HTTP_AUTHORIZATION", ""), full))
        if captured is None:
            status, body = "404 Not Found", b'{"detail": "not captured"}'
        else:
            count, rows = replay(connection(), captured)
            status = "200 OK"
            body = json.dumps({"rows": rows}, default=_default).encode()
            headers.append(("X-Bench-Statements", str(count)))
    headers.append(("Content-Length", str(len(body))))
    start_response(status, headers)
    return [body]
