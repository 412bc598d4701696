"""``manage.py load_lea_rules [FILE]``: load the LEA shares of the SSN per care setting.

The file is validated (integra/costshares/services.py) and stored keyed by setting code and rule
key; loading the same file again changes nothing. Without an argument, the shipped file
``integra/costshares/data/lea_dpcm_2017.yaml`` is (re)loaded (also done after every migrate).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from integra.costshares.errors import CostShareError
from integra.costshares.services import LEA_FILE, lea_rules_load


class Command(BaseCommand):
    help = "Carica le quote LEA a carico del SSN per setting assistenziale."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", type=Path, help="File YAML delle quote LEA.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"] or LEA_FILE
        if not path.is_file():
            raise CommandError(f"File non trovato: {path}")
        try:
            loaded = lea_rules_load(text=path.read_text(encoding="utf-8"))
        except CostShareError as exc:
            details = "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.errors.items())
            raise CommandError(f"{path}: {details}") from None
        self.stdout.write(
            f"{path.name}: {loaded.created} nuove, {loaded.updated} aggiornate, "
            f"{loaded.unchanged} invariate"
        )
