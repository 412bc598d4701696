"""Stable codes for refused PUA operations, and the errors that carry them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from integra.core.errors import DomainError


class IntakeErrorCode(models.TextChoices):
    REQUEST_INVALID = "intake_request_invalid", _("Richiesta non valida")
    NO_COMPETENT_PUA = "intake_no_competent_pua", _("Nessun PUA competente")
    ILLEGAL_TRANSITION = "intake_illegal_transition", _("Passaggio di stato non consentito")
    TRANSITION_INVALID = "intake_transition_invalid", _("Dati del passaggio non validi")
    TRIAGE_INVALID = "intake_triage_invalid", _("Pre-valutazione non valida")
    TRIAGE_UNAVAILABLE = "intake_triage_unavailable", _("Strumento di pre-valutazione assente")
    ATTACHMENT_INVALID = "intake_attachment_invalid", _("Allegato non valido")
    ATTACHMENT_TOO_LARGE = "intake_attachment_too_large", _("File troppo grande")


class IntakeError(DomainError):
    """A refused PUA operation with the Italian messages of each bad field.

    ``errors`` maps a field name to its messages, so a form can mark each field and the API can
    name each one in a 422; nothing has been written.
    """

    statuses = {
        IntakeErrorCode.ILLEGAL_TRANSITION: 409,
        IntakeErrorCode.ATTACHMENT_TOO_LARGE: 413,
    }

    def __init__(self, code: IntakeErrorCode, errors: dict[str, list[str]]) -> None:
        super().__init__(code, errors)


class WorkflowError(IntakeError):
    """A move the state machine refuses (illegal from the current state, or data missing)."""
