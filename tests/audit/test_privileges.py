"""``manage.py migrate`` connects as the owner and then grants the application's role exactly
its privileges (``integra/audit/privileges.py``)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection

from integra.audit.privileges import app_privileges_grant, as_owner, audit_tables
from tests.db_roles import acting_as_owner


def privileges(table: str) -> dict[str, bool]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p, has_table_privilege(%s, %s, p)"
            " FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE',"
            " 'REFERENCES', 'TRIGGER']) AS p",
            [settings.DATABASE_APP_ROLE, table],
        )
        return dict(cursor.fetchall())


READ_APPEND = {
    "SELECT": True,
    "INSERT": True,
    "UPDATE": False,
    "DELETE": False,
    "TRUNCATE": False,
    "REFERENCES": False,
    "TRIGGER": False,
}
DML = READ_APPEND | {"UPDATE": True, "DELETE": True}


@pytest.mark.django_db
def test_grants_after_migrate() -> None:
    for table in audit_tables():
        assert privileges(table) == READ_APPEND, table
    assert privileges("people_person") == DML
    assert privileges("pghistory_context") == READ_APPEND | {"UPDATE": True}
    assert privileges("django_migrations") == READ_APPEND | {"INSERT": False}


@pytest.mark.django_db
def test_grants_are_recomputed_from_scratch() -> None:
    """A privilege granted by hand does not survive the next migrate."""
    role = settings.DATABASE_APP_ROLE
    with acting_as_owner(), connection.cursor() as cursor:
        cursor.execute(f'GRANT TRUNCATE, TRIGGER ON people_person TO "{role}"')
        cursor.execute(f'GRANT UPDATE, DELETE ON audit_accesslog TO "{role}"')
        assert privileges("people_person")["TRUNCATE"] is True
        app_privileges_grant(role=role)
    assert privileges("people_person") == DML
    assert privileges("audit_accesslog") == READ_APPEND


@pytest.mark.django_db(transaction=True)
def test_as_owner_connects_with_the_owner_settings_for_the_block(settings) -> None:
    # Here "the owner" is the application's own login: the switch shows in session_user.
    settings.DATABASE_OWNER = {
        **settings.DATABASE_OWNER,
        "USER": settings.DATABASE_APP_ROLE,
        "PASSWORD": settings.DATABASE_APP_PASSWORD,
        "OPTIONS": {**connection.settings_dict["OPTIONS"]},
    }
    settings.DATABASE_OWNER["OPTIONS"].pop("assume_role", None)
    before = connection.settings_dict["USER"]

    with as_owner(), connection.cursor() as cursor:
        cursor.execute("SELECT session_user, current_user")
        inside = cursor.fetchone()

    assert inside == (settings.DATABASE_APP_ROLE, settings.DATABASE_APP_ROLE)
    assert connection.settings_dict["USER"] == before
    with connection.cursor() as cursor:
        cursor.execute("SELECT session_user")
        assert cursor.fetchone() == (before,)
