"""The refused operations of the diary: one domain error with a stable code (422 in the API,
the form's errors on the page)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from integra.core.errors import DomainError


class TimelineErrorCode(models.TextChoices):
    NOTE_INVALID = "case_note_invalid", _("Nota del diario non valida")
    CURSOR_INVALID = "timeline_cursor_invalid", _("Cursore non valido")


class TimelineError(DomainError):
    """``errors`` maps each field to its Italian messages; nothing has been written."""

    def __init__(self, code: TimelineErrorCode, errors: dict[str, list[str]]) -> None:
        super().__init__(code, errors)
