"""``manage.py migrate`` as the owner of the database, then the application's grants.

Django's own command, run with the owner's connection (``DATABASE_OWNER_URL``) when one is
configured, so the same command line works for the demo, the tests and production: the
application's ``DATABASE_URL`` role cannot run DDL. After the migrations the application's role
gets exactly its privileges (``integra/audit/privileges.py``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.commands import migrate

from integra.audit.privileges import app_privileges_grant, as_owner


class Command(migrate.Command):
    help = (
        migrate.Command.help
        + " Connects as DATABASE_OWNER_URL and then grants the application's role "
        "(DATABASE_URL) its privileges."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        database = options["database"]
        with as_owner(database):
            super().handle(*args, **options)
            role = getattr(settings, "DATABASE_APP_ROLE", "")
            if role and database == "default":
                app_privileges_grant(role=role, using=database)
                if options["verbosity"] >= 1:
                    self.stdout.write(f"Privileges of the application's role {role} granted.")
