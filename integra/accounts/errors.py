"""Domain errors of the accounts app: a stable code and an Italian message."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from integra.core.errors import DomainError


class AccountErrorCode(models.TextChoices):
    SECOND_FACTOR_REQUIRED = "second_factor_required", _("Verifica in due passaggi richiesta")
    TOKEN_EXPIRY_IN_PAST = "token_expiry_in_past", _("Scadenza del token nel passato")
    TOKEN_NAME_REQUIRED = "token_name_required", _("Nome del token mancante")
    # Staff management (integra/accounts/services.py: operator_create, membership_*).
    STAFF_INVALID = "staff_invalid", _("Dati dell'operatore non validi")
    USERNAME_TAKEN = "username_taken", _("Nome utente già in uso")
    OPERATOR_NOT_FOUND = "operator_not_found", _("Operatore non trovato")
    ALREADY_MEMBER = "already_member", _("Operatore già presente nell'ente")
    OWN_MEMBERSHIP = "own_membership", _("Appartenenza propria")
    HEALTH_ROLE_NOT_ALLOWED = "health_role_not_allowed", _("Ruolo sanitario non ammesso nell'ente")


class AccountError(DomainError):
    """A refused account operation; ``message`` is meant for the operator."""

    def __init__(self, code: AccountErrorCode, message: str) -> None:
        super().__init__(code, message=message)


class StaffError(AccountError):
    """A refused change to an organisation's staff, with the messages of each bad field.

    ``errors`` maps a field name (``username``, ``roles``, ``unit``, ``valid_until``…) to its
    Italian messages, so a form can mark each field and the API can name each one in a 422.
    """

    # Changing one's own roles, validity or membership is a permission matter, not bad input.
    statuses = {AccountErrorCode.OWN_MEMBERSHIP: 403}
    api_fields = {"unit": "unit_id", "organization": "organization_id", "__all__": "-"}

    def __init__(self, code: AccountErrorCode, errors: dict[str, list[str]]) -> None:
        DomainError.__init__(self, code, errors)
