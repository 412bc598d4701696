"""manage.py seed_demo --seed N [--if-empty] — deterministic demo data (DEMO ONLY)."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from integra.organizations.demo import DEMO_PASSWORD, DemoSeedError, demo_seed


class Command(BaseCommand):
    help = _(
        "Crea i dati dimostrativi: enti, unità, catalogo dei servizi e un operatore per ogni "
        "ruolo. Stesso seme, stessi dati. Solo per la demo."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=1, help=_("Seme dei dati (predefinito 1)."))
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help=_("Non fa nulla se gli operatori dimostrativi esistono già."),
        )

    def _ensure_territory(self) -> None:
        call_command("load_territory", "--if-empty", stdout=self.stdout, stderr=self.stderr)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = demo_seed(
                seed=options["seed"],
                if_empty=options["if_empty"],
                ensure_territory=self._ensure_territory,
            )
        except DemoSeedError as exc:
            raise CommandError(
                _("Dati dimostrativi non creati: il territorio dimostrativo è incompleto.")
                + "\n  - "
                + "\n  - ".join(exc.problems)
                + "\n"
                + _("Esegui prima: manage.py load_territory")
            ) from exc
        if result.skipped:
            self.stdout.write(
                _("Operatori dimostrativi già presenti: nessuna operazione (--if-empty).")
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Dati dimostrativi pronti (seme %(seed)d): %(orgs)d enti, %(units)d unità "
                    "organizzative, %(services)d servizi, %(operators)d operatori con "
                    "%(memberships)d appartenenze."
                )
                % {
                    "seed": result.seed,
                    "orgs": result.organizations,
                    "units": result.units,
                    "services": result.services,
                    "operators": result.operators,
                    "memberships": result.memberships,
                }
            )
        )
        self.stdout.write(
            _("Password di tutti gli operatori dimostrativi: %(password)s — SOLO PER LA DEMO.")
            % {"password": DEMO_PASSWORD}
        )
        self.stdout.write(
            _("Utenti, ruoli e codici TOTP degli amministratori: manage.py demo_logins")
        )
