"""What the application's database role may do, granted by ``manage.py migrate`` as the owner.

The application's role owns nothing. On every table it gets normal DML, except:

* the audit tables — the access log and every pghistory event table — where it may only
  SELECT and INSERT (pghistory's triggers insert the events with the privileges of the role
  that made the change, so INSERT it needs);
* ``pghistory_context``, which pghistory's function upserts (SELECT, INSERT, UPDATE: no DELETE);
* ``django_migrations``, which it only reads.

TRUNCATE, REFERENCES, TRIGGER and any DDL are never granted; the schema refuses it CREATE and
the database temporary tables.
The grants are recomputed from scratch after every migration, so a table added by a migration
gets them at once and nothing granted by hand survives.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connections
from psycopg import sql

from integra.audit.history import history_event_models
from integra.audit.models import AccessLog

# Only these keys of the owner's settings replace the application's: same database, other role.
_OWNER_KEYS = ("USER", "PASSWORD", "HOST", "PORT", "OPTIONS")


def audit_tables() -> list[str]:
    """The append-only tables: the access log and every history event table."""
    return [AccessLog._meta.db_table, *(m._meta.db_table for m in history_event_models())]


def app_privileges_grant(*, role: str, using: str = "default") -> None:
    """Give ``role`` exactly the application's privileges (run as the owner of the tables).

    Tables not created yet (a migration run up to an earlier point) are skipped; the next
    ``migrate`` grants them.
    """
    connection = connections[using]
    connection.ensure_connection()
    raw = connection.connection
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t FROM unnest(%s::text[]) AS t WHERE to_regclass(t) IS NOT NULL",
            [[*audit_tables(), "pghistory_context", "django_migrations"]],
        )
        present = {row[0] for row in cursor.fetchall()}
    who = sql.Identifier(role)
    statements = [
        sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {}").format(who),
        sql.SQL("REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {}").format(who),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(
            who
        ),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(who),
        sql.SQL("REVOKE CREATE ON SCHEMA public FROM {}").format(who),
        # No temporary tables either: they are DDL too, and the application needs none.
        sql.SQL("REVOKE TEMPORARY ON DATABASE {} FROM PUBLIC, {}").format(
            sql.Identifier(connection.settings_dict["NAME"]), who
        ),
    ]
    audit = [table for table in audit_tables() if table in present]
    if audit:
        statements.append(
            sql.SQL("REVOKE UPDATE, DELETE ON {} FROM {}").format(
                sql.SQL(", ").join(sql.Identifier(table) for table in audit), who
            )
        )
    if "pghistory_context" in present:
        statements.append(sql.SQL("REVOKE DELETE ON pghistory_context FROM {}").format(who))
    if "django_migrations" in present:
        statements.append(
            sql.SQL("REVOKE INSERT, UPDATE, DELETE ON django_migrations FROM {}").format(who)
        )
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement.as_string(raw))


def _connection_keys(values: Mapping[str, Any]) -> dict[str, object]:
    return {key: values.get(key) or ({} if key == "OPTIONS" else "") for key in _OWNER_KEYS}


def owner_settings() -> dict[str, object]:
    return _connection_keys(settings.DATABASE_OWNER)


@contextmanager
def as_owner(using: str = "default") -> Iterator[None]:
    """Connect alias ``using`` as the owner (``DATABASE_OWNER_URL``) for the block.

    Only the default alias has an owner; the database name is kept, so this also works on the
    test database.
    """
    connection = connections[using]
    owner = owner_settings()
    current = _connection_keys(connection.settings_dict)
    if using != "default" or owner == current:
        yield
        return
    connection.close()
    connection.settings_dict.update(owner)
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(current)
