"""Domain errors of the accounts app: a stable code and an Italian message."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountErrorCode(models.TextChoices):
    SECOND_FACTOR_REQUIRED = "second_factor_required", _("Verifica in due passaggi richiesta")
    TOKEN_EXPIRY_IN_PAST = "token_expiry_in_past", _("Scadenza del token nel passato")
    TOKEN_NAME_REQUIRED = "token_name_required", _("Nome del token mancante")


class AccountError(Exception):
    """A refused account operation; ``message`` is meant for the operator."""

    def __init__(self, code: AccountErrorCode, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        return str(self.message)
