"""``manage.py load_measure_rules FILE [FILE…]``: load a region's act for a measure.

Each file is validated (integra/programs/rules.py) and stored keyed by measure and act; loading
the same file again changes nothing. Without arguments, the acts shipped in
``integra/programs/rules/`` are (re)loaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from integra.programs.errors import ProgramError
from integra.programs.services import SHIPPED_RULES_DIR, rule_set_load_file


class Command(BaseCommand):
    help = "Carica i file di regole delle misure (un file per atto regionale)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="*", type=Path, help="File TOML delle regole.")

    def handle(self, *args: Any, **options: Any) -> None:
        files: list[Path] = options["files"] or sorted(SHIPPED_RULES_DIR.glob("*.toml"))
        for path in files:
            if not path.is_file():
                raise CommandError(f"File non trovato: {path}")
            try:
                loaded = rule_set_load_file(path)
            except ProgramError as exc:
                details = "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.errors.items())
                raise CommandError(f"{path}: {details}") from None
            rule_set = loaded.rule_set
            until = f"{rule_set.effective_to:%d/%m/%Y}" if rule_set.effective_to else "…"
            self.stdout.write(
                f"{path.name}: {rule_set.measure_code} {rule_set.act} "
                f"({rule_set.effective_from:%d/%m/%Y}–{until}): {loaded.outcome}"
            )
