"""``manage.py load_instrument FILE [FILE...]``: load instrument definitions (YAML or JSON).

A region adds its own instrument, or a new version of one, this way. Loading the same version
again with the same content does nothing; with different content it is refused.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from integra.assessments.services import InstrumentLoadError, instrument_load_file


class Command(BaseCommand):
    help = "Carica uno o più file di definizione di strumenti di valutazione (YAML o JSON)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", help="File YAML o JSON della definizione.")

    def handle(self, *args: Any, **options: Any) -> None:
        for path in options["files"]:
            try:
                result = instrument_load_file(path=path)
            except FileNotFoundError as exc:
                raise CommandError(f"{path}: file non trovato") from exc
            except InstrumentLoadError as exc:
                raise CommandError(f"{path}:\n  " + "\n  ".join(exc.errors)) from exc
            version = result.version
            state = "caricata" if result.created else "già presente, invariata"
            self.stdout.write(f"{version.instrument.code} {version.version}: {state}")
