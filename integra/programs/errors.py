"""Stable codes for refused requests on measures, with the Italian messages of each field."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from integra.core.errors import DomainError


class ProgramErrorCode(models.TextChoices):
    RULES_INVALID = "rules_invalid", _("File di regole non valido")
    NO_RULES = "no_rules_in_force", _("Nessuna regola in vigore")
    FACT_INVALID = "fact_invalid", _("Evidenza non valida")


class ProgramError(DomainError):
    """A refused request: ``errors`` maps each bad field to its Italian messages."""

    def __init__(self, code: ProgramErrorCode, errors: dict[str, list[str]]) -> None:
        super().__init__(code, errors)
