"""``manage.py verify_audit``: verify the whole audit trail and say whether it is intact.

* every chain of the access log, row by row (an altered, removed or relinked row);
* the checkpoints kept outside the database (``checkpoints.py``): each signed with the key, each
  following the one before, and every row they recorded still in its chain with the same hash —
  so removing the last rows, or reusing their positions, shows;
* the history (pghistory event) tables: their append-only triggers present and on, and none
  holding fewer rows than the last checkpoint recorded.

Exit status 0 when intact, 1 otherwise. It also warns when the role it connects as (the
application's) could rewrite the audit tables.
"""

from __future__ import annotations

import re
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from integra.audit.models import AccessLog
from integra.audit.selectors import AuditReport, audit_verify, role_warnings

_HASH_RE = re.compile(r"^[0-9a-f]{64}$")


# argparse needs plain strings: marked here, translated when the parser is built.
HELP = gettext_noop(
    "Verifica l'integrità della traccia di audit: ricalcola riga per riga ogni catena di hash "
    "del registro degli accessi, controlla i punti di controllo firmati conservati fuori dal "
    "database (così si scopre anche la cancellazione delle ultime righe) e che le tabelle "
    "dello storico delle modifiche siano protette e non abbiano perso righe. Esce con stato 0 "
    "se tutto è integro, 1 altrimenti."
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
                "Hash (64 caratteri esadecimali) di una testa annotata in una verifica "
                "precedente: deve essere ancora in una delle catene."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        expected = (options.get("expect_head") or "").strip().lower()
        if expected and not _HASH_RE.match(expected):
            raise CommandError(_("--expect-head vuole un hash di 64 caratteri esadecimali."))
        report = audit_verify()
        failed = self._access_log(report)
        failed = self._checkpoints(report) or failed
        failed = self._history(report) or failed
        if expected and report.access_log.ok and not self._contains(expected, report):
            self.stderr.write(
                _(
                    "La testa attesa %(expected)s non è in nessuna catena: sono state rimosse "
                    "le ultime righe o la catena è stata riscritta."
                )
                % {"expected": expected}
            )
            failed = True
        self._roles()
        if failed:
            sys.exit(1)

    def _access_log(self, report: AuditReport) -> bool:
        chains = report.access_log
        for broken in chains.breaks:
            where = (
                _("(id %(id)s)") % {"id": broken.row_id}
                if broken.row_id is not None
                else _("(righe assenti)")
            )
            self.stderr.write(
                _(
                    "Registro degli accessi NON integro: %(reason)s alla riga con progressivo "
                    "%(seq)s della catena %(shard)s %(where)s."
                )
                % {
                    "reason": broken.reason_label,
                    "seq": broken.seq,
                    "shard": broken.shard,
                    "where": where,
                }
            )
        if chains.ok:
            self.stdout.write(
                _(
                    "Registro degli accessi integro: %(count)s righe verificate (catene: %(chains)s)."
                )
                % {"count": chains.rows_checked, "chains": len(chains.chains)}
            )
        else:
            self.stderr.write(_("Righe esaminate: %(count)s.") % {"count": chains.rows_checked})
        for head in chains.chains:
            self.stdout.write(
                _("Catena %(shard)s: ultima riga integra %(seq)s, hash %(hash)s")
                % {"shard": head.shard, "seq": head.seq, "hash": head.hash}
            )
        return not chains.ok

    def _checkpoints(self, report: AuditReport) -> bool:
        log = report.checkpoints
        for problem in log.problems:
            self.stderr.write(
                _("Punto di controllo alla riga %(line)s di %(path)s: %(reason)s%(detail)s.")
                % {
                    "line": problem.line,
                    "path": log.path,
                    "reason": problem.reason_label,
                    "detail": f" ({problem.detail})" if problem.detail else "",
                }
            )
        if log.last is not None:
            self.stdout.write(
                _(
                    "Punti di controllo verificati: %(count)s di %(lines)s, l'ultimo del %(at)s (%(path)s)."
                )
                % {
                    "count": len(log.checkpoints),
                    "lines": log.lines,
                    "at": log.last.at,
                    "path": log.path,
                }
            )
        elif not log.problems:
            self.stderr.write(
                _(
                    "Nessun punto di controllo in %(path)s: la rimozione delle ultime righe non "
                    "sarebbe rilevata (manage.py audit_checkpoint)."
                )
                % {"path": log.path}
            )
        return bool(log.problems)

    def _history(self, report: AuditReport) -> bool:
        history = report.history
        for problem in history.problems:
            self.stderr.write(
                _("Storico delle modifiche NON integro: %(table)s, %(reason)s%(detail)s.")
                % {
                    "table": problem.table,
                    "reason": problem.reason_label,
                    "detail": f" ({problem.detail})" if problem.detail else "",
                }
            )
        if history.ok:
            self.stdout.write(
                _(
                    "Storico delle modifiche integro: %(tables)s tabelle protette, "
                    "%(compared)s confrontate con l'ultimo punto di controllo."
                )
                % {"tables": history.tables, "compared": history.compared}
            )
        return not history.ok

    def _roles(self) -> None:
        tables = role_warnings()
        if tables:
            self.stderr.write(
                _(
                    "Attenzione: il ruolo %(role)s, con cui questo comando si connette, può "
                    "modificare o cancellare %(count)s tabelle di audit (%(first)s…). "
                    "L'applicazione deve usare un ruolo che non possiede le tabelle "
                    "(README, «Database roles»)."
                )
                % {
                    "role": connection.settings_dict["USER"],
                    "count": len(tables),
                    "first": tables[0],
                }
            )

    @staticmethod
    def _contains(expected: str, report: AuditReport) -> bool:
        if any(head.hash == expected for head in report.access_log.chains):
            return True
        # Every chain was verified up to its head, so a row carrying the expected hash is the
        # genuine earlier head and the rows after it were appended since.
        return AccessLog.objects.filter(hash=expected).exists()
