"""Django's ``flush`` for the test database, run as the owner of the tables.

Between transactional tests Django empties every table with TRUNCATE. The suite runs as the
application's role, which may not TRUNCATE anything, and the audit tables refuse TRUNCATE even
to their owner (a trigger). Here, in the test database only, the owner switches those triggers
off for the one transaction that empties the tables (``tests/db_roles.py``).
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush

from tests.db_roles import audit_triggers_off


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        with audit_triggers_off(options["database"]):
            super().handle(**options)
