"""The suite runs as the application's database role.

The test database is created and migrated as the owner (``tests/settings.py`` connects the
default alias with the owner's credentials; ``migrate`` then grants the application's role its
privileges), and from then on every connection does ``SET ROLE`` to the application's role
(Django's ``assume_role``), so code that needs more than the application may do fails here as
it would in production. Tests that must act as the owner (tampering with the audit trail,
dropping an index) use ``acting_as_owner``; ``flush`` between transactional tests runs as the
owner (``tests/policy_app/management/commands/flush.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db import connection, connections, transaction
from psycopg import sql


def app_role() -> str:
    return settings.DATABASE_APP_ROLE


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, django_db_blocker):
    """Before the test database exists: make sure the application's role does.

    ``python -m integra.db_roles`` (make, CI, the embedded server) creates it; with a single
    superuser ``DATABASE_URL`` the suite creates it itself.
    """
    with django_db_blocker.unblock(), connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [app_role()])
        if cursor.fetchone() is None:
            cursor.execute(
                sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE")
                .format(sql.Identifier(app_role()))
                .as_string(cursor.connection)
            )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Once the database is migrated as the owner, every test connects as the application."""
    options = connection.settings_dict["OPTIONS"]
    with django_db_blocker.unblock():
        connections.close_all()
        options["assume_role"] = app_role()
    yield
    with django_db_blocker.unblock():
        connections.close_all()
        options.pop("assume_role", None)


@contextmanager
def acting_as_owner() -> Iterator[None]:
    """Run the block as the owner of the tables, in the test's own transaction."""
    with connection.cursor() as cursor:
        cursor.execute("SET ROLE NONE")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                sql.SQL("SET ROLE {}")
                .format(sql.Identifier(app_role()))
                .as_string(cursor.connection)
            )


@contextmanager
def audit_triggers_off(using: str = "default") -> Iterator[None]:
    """As the owner, in one transaction, with the append-only triggers of every audit table
    off: for the plumbing that empties committed tables between tests (``flush``, module
    fixtures), never for what a test checks."""
    from integra.audit.privileges import audit_tables

    connection = connections[using]

    def alter(action: str) -> None:
        with connection.cursor() as cursor:
            for table in audit_tables():
                cursor.execute(
                    sql.SQL("ALTER TABLE {} {} TRIGGER USER")
                    .format(sql.Identifier(table), sql.SQL(action))
                    .as_string(connection.connection)
                )

    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SET ROLE NONE")
    try:
        with transaction.atomic(using=using):
            alter("DISABLE")
            yield
            alter("ENABLE")
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                sql.SQL("SET ROLE {}")
                .format(sql.Identifier(app_role()))
                .as_string(connection.connection)
            )
