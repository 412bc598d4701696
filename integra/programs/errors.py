"""Stable codes for refused requests on measures, with the Italian messages of each field."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProgramErrorCode(models.TextChoices):
    RULES_INVALID = "rules_invalid", _("File di regole non valido")
    NO_RULES = "no_rules_in_force", _("Nessuna regola in vigore")
    FACT_INVALID = "fact_invalid", _("Evidenza non valida")


class ProgramError(Exception):
    """A refused request: ``errors`` maps each bad field to its Italian messages."""

    def __init__(self, code: ProgramErrorCode, errors: dict[str, list[str]]) -> None:
        self.code = code
        self.errors = {field: [str(m) for m in messages] for field, messages in errors.items()}
        every = [m for messages in self.errors.values() for m in messages]
        self.message = (
            every[0] if len(every) == 1 else str(_("Uno o più dati non sono validi: correggili."))
        )
        super().__init__(self.message)

    def __str__(self) -> str:
        return str(self.message)
