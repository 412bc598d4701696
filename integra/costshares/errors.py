"""Stable codes for refused requests on cost shares, with the Italian messages of each field."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from integra.core.errors import DomainError


class CostShareErrorCode(models.TextChoices):
    LEA_FILE_INVALID = "lea_file_invalid", _("File delle quote LEA non valido")
    NO_LEA_RULE = "no_lea_rule_in_force", _("Nessuna quota LEA in vigore")
    SPLIT_INVALID = "cost_split_invalid", _("Dati per la ripartizione non validi")
    REGULATION_INVALID = "copayment_regulation_invalid", _("Regolamento non valido")


class CostShareError(DomainError):
    """A refused request: ``errors`` maps each bad field to its Italian messages."""
