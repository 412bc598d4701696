"""``manage.py audit_checkpoint``: write a signed checkpoint of the audit trail now.

Run it from a scheduler (cron, a systemd timer) every minute or so; the processes that write
the access log also write one every ``AUDIT_CHECKPOINT_INTERVAL`` seconds. See
``integra/audit/checkpoints.py``.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from integra.audit.checkpoints import checkpoint_path, checkpoint_write

HELP = gettext_noop(
    "Scrive un punto di controllo firmato della traccia di audit (la testa di ogni catena del "
    "registro degli accessi e fin dove arriva ogni tabella dello storico) nel file "
    "AUDIT_CHECKPOINT_FILE, fuori dal database: verify_audit lo usa per scoprire la "
    "cancellazione delle ultime righe."
)


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        self.help = _(HELP)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--full",
            action="store_true",
            help=_(
                "Conta da capo le righe delle tabelle dello storico invece di aggiungere "
                "quelle nuove al punto di controllo precedente."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        checkpoint = checkpoint_write(full=options["full"])
        rows = sum(seq for seq, _hash in checkpoint.chains.values())
        self.stdout.write(
            _(
                "Punto di controllo scritto in %(path)s: %(chains)s catene (%(rows)s righe), "
                "%(tables)s tabelle dello storico."
            )
            % {
                "path": checkpoint_path(),
                "chains": len(checkpoint.chains),
                "rows": rows,
                "tables": len(checkpoint.history),
            }
        )
