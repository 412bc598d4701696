"""The refusals of the care plan's services (problem+json in the API, messages in the pages)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from integra.core.errors import DomainError


class PlanErrorCode(models.TextChoices):
    INVALID = "plan_invalid", _("Dati del progetto non validi")
    STATE = "plan_state", _("Operazione non consentita in questo stato del progetto")
    STALE = "plan_stale", _("Il progetto è stato modificato da un altro operatore")
    EXISTS = "plan_exists", _("Esiste già un progetto per questa seduta")
    SIGNATURE = "plan_signature", _("Sottoscrizione non valida")


class PlanError(DomainError):
    statuses = {
        PlanErrorCode.STATE: 409,
        PlanErrorCode.STALE: 409,
        PlanErrorCode.EXISTS: 409,
    }
    several_message = _("Uno o più dati del progetto non sono validi.")
