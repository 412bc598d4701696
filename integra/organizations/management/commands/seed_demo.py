"""manage.py seed_demo --seed N [--if-empty] [--persons N] — deterministic demo data (DEMO ONLY).

``--persons N`` also generates a synthetic population of N persons living in the demo
territory (integra/people/synthetic/), written with COPY; a progress bar goes to stderr.
The same seed gives the same persons on any day; ``--as-of DAY`` also fixes their dates (and so
their codici fiscali), which otherwise are placed relative to today.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from integra.organizations.demo import DEMO_PASSWORD, DemoSeedError, demo_seed


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(_("--as-of vuole una data nella forma AAAA-MM-GG.")) from exc


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
        parser.add_argument(
            "--persons",
            type=int,
            default=0,
            help=_(
                "Genera anche N persone sintetiche residenti nel territorio dimostrativo "
                "(stesso seme, stesse persone). Con --if-empty solo se l'anagrafe è vuota."
            ),
        )
        parser.add_argument(
            "--as-of",
            type=_day,
            default=None,
            help=_(
                "Giorno (AAAA-MM-GG) a cui riferire età e date delle persone sintetiche "
                "(predefinito: oggi). Stesso seme e stesso giorno, stessi codici fiscali."
            ),
        )
        parser.add_argument(
            "--batch",
            type=int,
            default=1_000,
            help=_("Persone scritte per transazione (predefinito 1000)."),
        )

    def _ensure_territory(self) -> None:
        call_command("load_territory", "--if-empty", stdout=self.stdout, stderr=self.stderr)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["persons"] < 0 or options["batch"] < 1:
            raise CommandError(_("--persons non può essere negativo e --batch almeno 1."))
        self._seed_organizations(options)
        if options["persons"]:
            self._seed_persons(options)
        from integra.assessments.uvm_demo import seed_uvm_demo
        from integra.careplans.demo import seed_careplans_demo
        from integra.intake.demo import seed_intake_demo

        seed_intake_demo()  # the demo PUAs, and some requests once persons exist (idempotent)
        seed_uvm_demo()  # a UVM session held and one to come, for requests sent to the UVM
        seed_careplans_demo()  # a plan in force with its team and tasks

    def _seed_persons(self, options: dict[str, Any]) -> None:
        from integra.people.models import Person
        from integra.people.synthetic.loader import PopulationError, population_load

        if options["if_empty"] and Person.objects.exists():
            self.stdout.write(_("Anagrafe già popolata: nessuna persona generata (--if-empty)."))
            return
        try:
            result = population_load(
                persons=options["persons"],
                seed=options["seed"],
                today=options["as_of"],
                batch=options["batch"],
                stream=self.stderr._out,  # type: ignore[arg-type]  # raw stream: the bar redraws
            )
        except PopulationError as exc:
            raise CommandError(
                _("Persone sintetiche non create: %(reason)s") % {"reason": exc}
            ) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Persone sintetiche (seme %(seed)d): %(persons)d persone, %(codes)d codici, "
                    "%(permits)d permessi di soggiorno, %(links)d legami familiari, %(isee)d ISEE, "
                    "%(care)d prese in carico, %(dups)d quasi-duplicati, %(omo)d codici "
                    "omocodici, in %(seconds).1f s."
                )
                % {
                    "seed": options["seed"],
                    "persons": result.persons,
                    "codes": result.identifiers,
                    "permits": result.permits,
                    "links": result.household_links,
                    "isee": result.isee,
                    "care": result.care_relationships,
                    "dups": result.near_duplicates,
                    "omo": result.omocodic,
                    "seconds": result.seconds,
                }
            )
        )

    def _seed_organizations(self, options: dict[str, Any]) -> None:
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
