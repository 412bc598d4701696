"""The refused operations of the Garante's dossier rules (oscuramento, emergency access, the
report of accesses): one error with a stable code and the Italian messages of each bad field,
handled where it is raised (pages: the form's errors; API: a 422 problem+json)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DossierErrorCode(models.TextChoices):
    CONCEALMENT_INVALID = "concealment_invalid", _("Richiesta di oscuramento non valida")
    EMERGENCY_INVALID = "emergency_access_invalid", _("Accesso di emergenza non valido")
    EMERGENCY_NOT_NEEDED = (
        "emergency_access_not_needed",
        _("Accesso di emergenza non necessario"),
    )
    PERIOD_INVALID = "period_invalid", _("Periodo non valido")


class DossierError(Exception):
    """``errors`` maps each field to its Italian messages; ``message`` is the one to show."""

    def __init__(self, code: DossierErrorCode, errors: dict[str, list[str]]) -> None:
        self.code = code
        self.errors = {field: [str(m) for m in messages] for field, messages in errors.items()}
        every = [m for messages in self.errors.values() for m in messages]
        self.message = every[0] if len(every) == 1 else str(_("Uno o più dati non sono validi."))
        super().__init__(self.message)

    def __str__(self) -> str:
        return str(self.message)
