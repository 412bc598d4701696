"""manage.py load_territory — regions, Comuni (ISTAT) and the demo territory configuration."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from integra.core.errors import TerritoryError
from integra.core.services import COMUNI_CSV, DEMO_TERRITORY_JSON, territory_load


class Command(BaseCommand):
    help = _(
        "Carica le 20 regioni e tutti i Comuni dall'elenco ISTAT, poi la configurazione "
        "dimostrativa (ATS, ASST, Distretti, Ambiti). Idempotente: si può rieseguire."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help=_("Non fa nulla se i Comuni sono già caricati."),
        )
        parser.add_argument(
            "--no-demo",
            action="store_true",
            help=_("Non carica la configurazione dimostrativa di ATS, ASST, Distretti e Ambiti."),
        )
        parser.add_argument(
            "--population",
            metavar="FILE",
            type=Path,
            help=_("Aggiorna la popolazione da un CSV ISTAT «codice;popolazione»."),
        )
        parser.add_argument(
            "--population-year",
            type=int,
            metavar="ANNO",
            help=_("Anno di riferimento della popolazione del file --population (es. 2024)."),
        )
        parser.add_argument(
            "--comuni-file",
            type=Path,
            default=COMUNI_CSV,
            help=_("Elenco dei comuni (predefinito: il CSV ISTAT fornito con Integra)."),
        )
        parser.add_argument(
            "--demo-file",
            type=Path,
            default=DEMO_TERRITORY_JSON,
            help=_("File JSON della configurazione dimostrativa."),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        if options["population"] is not None and options["population_year"] is None:
            raise CommandError(
                _("Indica con --population-year l'anno di riferimento della popolazione.")
            )
        try:
            result = territory_load(
                comuni_path=options["comuni_file"],
                demo_path=None if options["no_demo"] else options["demo_file"],
                population_path=options["population"],
                population_year=options["population_year"],
                if_empty=options["if_empty"],
            )
        except TerritoryError as exc:
            raise CommandError(
                _("Territorio non caricato, nessuna modifica salvata:")
                + "\n  - "
                + "\n  - ".join(exc.problems)
            ) from exc
        if result.skipped:
            self.stdout.write(_("Comuni già caricati: nessuna operazione (--if-empty)."))
            return
        out = self.stdout.write
        out(
            _("Regioni: %(created)d create, %(updated)d aggiornate.")
            % {"created": result.regions_created, "updated": result.regions_updated}
        )
        out(
            _(
                "Comuni nell'elenco: %(total)d — creati %(created)d, aggiornati %(updated)d, "
                "invariati %(unchanged)d."
            )
            % {
                "total": result.municipalities_in_file,
                "created": result.municipalities_created,
                "updated": result.municipalities_updated,
                "unchanged": result.municipalities_unchanged,
            }
        )
        if result.municipalities_not_in_file:
            out(
                _("Attenzione: %d Comuni presenti nella base dati non sono più nell'elenco.")
                % result.municipalities_not_in_file
            )
        if result.demo is not None:
            demo = result.demo
            out(
                _(
                    "Configurazione dimostrativa: %(ha)d aziende sanitarie, %(districts)d "
                    "distretti, %(ambiti)d ambiti, %(municipalities)d Comuni assegnati "
                    "(%(changed)d assegnazioni modificate)."
                )
                % {
                    "ha": len(demo.authorities),
                    "districts": len(demo.districts),
                    "ambiti": len(demo.ambiti),
                    "municipalities": demo.municipality_count,
                    "changed": result.demo_assignments_changed,
                }
            )
            out(_("Nota: %s") % demo.note)
        if result.population_year is not None:
            out(
                _("Popolazione %(year)d: %(rows)d righe lette, %(updated)d Comuni aggiornati.")
                % {
                    "year": result.population_year,
                    "rows": result.population_rows,
                    "updated": result.population_updated,
                }
            )
        out(self.style.SUCCESS(_("Territorio caricato in %.1f s.") % (time.monotonic() - started)))
