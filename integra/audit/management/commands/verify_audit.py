"""``manage.py verify_audit``: walk the hash chain of the access log and say whether it is intact.

Exit status 0 when intact, 1 when a row was altered, removed or relinked, or when the head is
not the one expected. Run it on a schedule and keep the printed head (seq and hash) somewhere
the database administrators cannot write (a ticket, a signed mail, another system): a chain
cut at the end is still a valid chain, and only ``--expect-head`` with a head recorded earlier
shows that its last rows are gone.
"""

from __future__ import annotations

import re
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from integra.audit.models import AccessLog
from integra.audit.selectors import access_log_verify

_HASH_RE = re.compile(r"^[0-9a-f]{64}$")


# argparse needs plain strings: marked here, translated when the parser is built.
HELP = gettext_noop(
    "Verifica l'integrità del registro degli accessi: ricalcola la catena di hash riga per "
    "riga. Esce con stato 0 se la catena è integra, 1 alla prima riga alterata, mancante o "
    "con collegamento interrotto. Con --expect-head HASH verifica anche che la testa della "
    "catena sia quella annotata in precedenza (l'hash stampato da un'esecuzione "
    "precedente): così si scopre anche la cancellazione delle ultime righe. La testa "
    "annotata deve restare fuori dalla portata di chi amministra il database."
)


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        self.help = _(HELP)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--expect-head",
            metavar="HASH",
            help=_(
                "Hash (64 caratteri esadecimali) della testa annotata in una verifica "
                "precedente: la catena deve contenerla. Se la testa attuale è più avanti, "
                "si verifica che la riga con quell'hash sia ancora nella catena."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        expected = (options.get("expect_head") or "").strip().lower()
        if expected and not _HASH_RE.match(expected):
            raise CommandError(_("--expect-head vuole un hash di 64 caratteri esadecimali."))
        report = access_log_verify()
        if report.first_break is not None:
            broken = report.first_break
            self.stderr.write(
                _(
                    "Registro degli accessi NON integro: %(reason)s alla riga con progressivo "
                    "%(seq)s (id %(id)s)."
                )
                % {"reason": broken.reason_label, "seq": broken.seq, "id": broken.row_id}
            )
            self.stderr.write(
                _("Righe esaminate: %(count)s; ultima riga integra: progressivo %(head)s.")
                % {"count": report.rows_checked, "head": report.head_seq}
            )
            sys.exit(1)
        self.stdout.write(
            _("Registro degli accessi integro: %(count)s righe verificate.")
            % {"count": report.rows_checked}
        )
        self.stdout.write(
            _("Testa della catena: progressivo %(seq)s, hash %(hash)s")
            % {"seq": report.head_seq, "hash": report.head_hash}
        )
        if expected and not self._contains(expected, report.head_hash):
            self.stderr.write(
                _(
                    "La testa attesa %(expected)s non è nella catena: sono state rimosse le "
                    "ultime righe o la catena è stata riscritta."
                )
                % {"expected": expected}
            )
            sys.exit(1)

    @staticmethod
    def _contains(expected: str, head_hash: str) -> bool:
        if expected == head_hash:
            return True
        # The chain was verified up to its head, so a row carrying the expected hash is the
        # genuine earlier head and the rows after it were appended since.
        return AccessLog.objects.filter(hash=expected).exists()
