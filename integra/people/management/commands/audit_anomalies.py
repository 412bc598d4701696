"""``manage.py audit_anomalies --date YYYY-MM-DD``: the anomalous accesses of a day, for a daily
cron (integra/people/anomalies.py says what is anomalous). Without ``--date``, yesterday (Rome).
With ``--organization CODE``, only that organisation's share of the log (as its auditor sees
it). Exit status 0 whatever is found; the list goes to standard output."""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from integra.audit.models import AccessAction
from integra.audit.selectors import AUDIT_TIME_ZONE
from integra.audit.services import ACCESS_LOG_SUBJECT, AUDIT_PURPOSE, access_log_record
from integra.organizations.models import Organization
from integra.people.anomalies import AnomalyReport, anomalies_compute

HELP = gettext_noop(
    "Elenca gli accessi anomali di un giorno dal registro degli accessi: letture di persone "
    "non in carico all'ente dell'operatore (accessi di emergenza compresi), letture molto "
    "sopra il consueto, tentativi negati ripetuti. Pensato per un cron giornaliero."
)


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        self.help = _(HELP)
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--date", metavar="AAAA-MM-GG", help=_("Il giorno da esaminare (di default: ieri).")
        )
        parser.add_argument(
            "--organization",
            metavar="CODICE",
            help=_("Solo la parte del registro che riguarda l'ente con questo codice."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        raw = options.get("date")
        if raw:
            try:
                day = date.fromisoformat(raw)
            except ValueError:
                raise CommandError(_("--date vuole una data nel formato AAAA-MM-GG.")) from None
        else:
            day = timezone.now().astimezone(AUDIT_TIME_ZONE).date() - timedelta(days=1)
        organization_id = None
        code = options.get("organization")
        if code:
            organization = Organization.objects.filter(code=code).first()
            if organization is None:
                raise CommandError(_("Nessun ente con il codice %(code)s.") % {"code": code})
            organization_id = organization.pk
        report = anomalies_compute(day=day, organization_id=organization_id)
        access_log_record(
            actor=None,
            subject=ACCESS_LOG_SUBJECT,
            action=AccessAction.LIST,
            detail={
                "check": "anomalies",
                "day": day.isoformat(),
                "organization_id": organization_id,
                "rows": report.count,
                "via": "command",
            },
            purpose=AUDIT_PURPOSE,
        )
        self.stdout.write("\n".join(report_lines(report)))


def report_lines(report: AnomalyReport) -> list[str]:
    """The report as plain text lines (Italian), one per anomaly."""
    lines = [
        _("Accessi anomali del %(day)s: %(n)d")
        % {"day": report.day.strftime("%d/%m/%Y"), "n": report.count}
    ]
    if report.out_of_charge:
        lines.append(_("Letture di persone non in carico all'ente dell'operatore:"))
        for r in report.out_of_charge:
            flag = (
                " " + _("[%(n)d in emergenza]") % {"n": r.emergency_reads}
                if r.emergency_reads
                else ""
            )
            lines.append(
                "  "
                + _(
                    "%(user)s (%(org)s): persona n. %(person)d, %(reads)d letture dalle %(first)s "
                    "alle %(last)s"
                )
                % {
                    "user": r.username,
                    "org": r.organization,
                    "person": r.person_id,
                    "reads": r.reads,
                    "first": r.first_at.strftime("%H:%M"),
                    "last": r.last_at.strftime("%H:%M"),
                }
                + flag
            )
    if report.spikes:
        lines.append(_("Letture molto sopra il consueto:"))
        for s in report.spikes:
            lines.append(
                "  "
                + _("%(user)s (%(org)s): %(reads)d letture, mediana %(median)s su %(days)d giorni")
                % {
                    "user": s.username,
                    "org": s.organization,
                    "reads": s.reads,
                    "median": f"{s.median:g}".replace(".", ","),
                    "days": s.active_days,
                }
            )
    if report.denied:
        lines.append(_("Tentativi negati ripetuti:"))
        for d in report.denied:
            lines.append(
                "  "
                + _("%(user)s (%(org)s): %(n)d tentativi negati su %(subjects)d dati")
                % {
                    "user": d.username or "—",
                    "org": d.organization or "—",
                    "n": d.attempts,
                    "subjects": d.subjects,
                }
            )
    return lines
