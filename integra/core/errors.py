"""Domain errors of the territory."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext_lazy as _


class TerritoryErrorCode(models.TextChoices):
    FILE_UNREADABLE = "file_unreadable", _("File non leggibile")
    COMUNI_FILE_INVALID = "comuni_file_invalid", _("Elenco dei comuni non valido")
    DEMO_FILE_INVALID = "demo_file_invalid", _("Configurazione del territorio non valida")
    MUNICIPALITY_NOT_FOUND = "municipality_not_found", _("Comune non trovato")
    POPULATION_FILE_INVALID = "population_file_invalid", _("File della popolazione non valido")


class TerritoryError(Exception):
    """A territory file cannot be loaded; ``problems`` lists every problem found, in order."""

    def __init__(self, code: TerritoryErrorCode, problems: Iterable[str]) -> None:
        self.code = code
        self.problems = [str(p) for p in problems]
        super().__init__("\n".join(self.problems) or str(code.label))
