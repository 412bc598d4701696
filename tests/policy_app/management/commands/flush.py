"""Django's ``flush`` for the test database, run as the owner of the tables.

Between transactional tests Django empties every table with TRUNCATE. The suite runs as the
application's role, which may not TRUNCATE anything, and the audit tables refuse TRUNCATE even
to their owner (a trigger). Here, in the test database only, the owner switches those triggers
off for the one transaction that empties the tables, then back on.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush
from django.db import connections, transaction
from psycopg import sql

from integra.audit.privileges import audit_tables
from tests.db_roles import app_role


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        database = options["database"]
        connection = connections[database]
        connection.ensure_connection()
        raw = connection.connection

        def alter(action: str) -> None:
            with connection.cursor() as cursor:
                for table in audit_tables():
                    cursor.execute(
                        sql.SQL("ALTER TABLE {} {} TRIGGER USER")
                        .format(sql.Identifier(table), sql.SQL(action))
                        .as_string(raw)
                    )

        with connection.cursor() as cursor:
            cursor.execute("SET ROLE NONE")
        try:
            with transaction.atomic(using=database):
                alter("DISABLE")
                super().handle(**options)
                alter("ENABLE")
        finally:
            with connection.cursor() as cursor:
                cursor.execute(
                    sql.SQL("SET ROLE {}").format(sql.Identifier(app_role())).as_string(raw)
                )
