"""Building access-log rows with chosen values (time, operator, subject) for the audit tests,
and tampering with the audit tables as their owner would."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db import connection
from psycopg import sql

from integra.accounts.models import Membership
from integra.audit.models import AccessLog
from integra.audit.services import access_log_write
from tests.db_roles import acting_as_owner


def log_rows(*entries: dict[str, Any]) -> list[AccessLog]:
    """Append rows through the real writer (so the chain stays valid)."""
    defaults: dict[str, Any] = {
        "at": datetime(2026, 7, 1, 10, 0, tzinfo=UTC),
        "user_id": None,
        "username": "",
        "membership_id": None,
        "organization_id": None,
        "client_ip": "198.51.100.7",
        "request_id": "req-test-0000001",
        "action": "view",
        "outcome": "allowed",
        "subject_type": "policy_app.casenote",
        "subject_id": "1",
        "subject_label": "Nota",
        "subject_organization_id": None,
        "person_id": None,
        "detail": {},
        "purpose": "Presa in carico",
    }
    return access_log_write(entries=[defaults | entry for entry in entries])


def by(membership: Membership) -> dict[str, Any]:
    """The operator columns of a row made by ``membership``."""
    return {
        "user_id": membership.user.pk,
        "username": membership.user.username,
        "membership_id": membership.pk,
        "organization_id": membership.organization_id,
    }


def tamper(statement: str, params: list | None = None, *, table: str = "audit_accesslog") -> None:
    """Run ``statement`` as the owner of the tables can: with ``table``'s triggers switched off
    for the statement (the application's role can do neither)."""
    name = sql.Identifier(table)
    connection.ensure_connection()
    with acting_as_owner(), connection.cursor() as cursor:
        raw = connection.connection
        cursor.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(name).as_string(raw))
        cursor.execute(statement, params or [])
        cursor.execute(sql.SQL("ALTER TABLE {} ENABLE TRIGGER USER").format(name).as_string(raw))
