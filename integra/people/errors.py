"""Stable codes for what can be wrong with a person's identifier.

The code is what clients branch on and never changes; the label is the (translated) short
description. The full message returned with each error adds the specifics (which character,
which position) and is built where the check runs.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from django.db import models
from django.utils.translation import gettext_lazy as _

from integra.core.errors import DomainError


class IdentifierErrorCode(models.TextChoices):
    FORMAT = "format", _("Formato non riconosciuto")
    LENGTH = "length", _("Lunghezza errata")
    CHARACTERS = "characters", _("Caratteri non ammessi")
    CHECK_CHARACTER = "check_character", _("Carattere di controllo errato")
    MONTH = "month", _("Mese di nascita non valido")
    DAY = "day", _("Giorno di nascita non valido")
    IMPOSSIBLE_DATE = "impossible_date", _("Data di nascita inesistente")
    UNKNOWN_PLACE = "unknown_place", _("Luogo di nascita sconosciuto")
    OMOCODIA_POSITION = "omocodia_position", _("Omocodia non valida")
    PREFIX = "prefix", _("Prefisso non valido")
    REGION = "region", _("Regione sconosciuta")
    COUNTRY = "country", _("Stato di emissione non valido")


class MismatchField(models.TextChoices):
    """Data of the person that the codice fiscale disagrees with (a warning, not an error)."""

    SEX = "sex", _("Sesso")
    BIRTH_DATE = "birth_date", _("Data di nascita")
    BIRTH_PLACE = "birth_place", _("Luogo di nascita")


class IdentifierError(NamedTuple):
    """One reason why an identifier is invalid: a stable code and an Italian message."""

    code: IdentifierErrorCode
    message: str


# --- the registry: refused writes on persons ---------------------------------------------------


class PersonErrorCode(models.TextChoices):
    PERSON_INVALID = "person_invalid", _("Dati della persona non validi")
    IDENTIFIER_INVALID = "identifier_invalid", _("Identificativo non valido")
    IDENTIFIER_TAKEN = "identifier_taken", _("Identificativo già registrato")
    CARE_RELATIONSHIP_INVALID = "care_relationship_invalid", _("Presa in carico non valida")
    CARE_RELATIONSHIP_EXISTS = "care_relationship_exists", _("Presa in carico già attiva")
    CONSENT_INVALID = "consent_invalid", _("Consenso non valido")
    DOCUMENT_INVALID = "document_invalid", _("Documento non valido")
    DOCUMENT_FILE_TYPE = "document_file_type", _("Tipo di file non ammesso")
    DOCUMENT_TOO_LARGE = "document_too_large", _("File troppo grande")
    HOUSEHOLD_INVALID = "household_invalid", _("Componente del nucleo non valido")
    ISEE_INVALID = "isee_invalid", _("Dichiarazione ISEE non valida")


class PersonError(DomainError):
    """A refused change to the registry, with the Italian messages of each bad field.

    ``errors`` maps a field name (``family_names``, ``identifiers.0.value``…) to its messages,
    so a form can mark each field and the API can name each one in a 422.
    """

    statuses = {PersonErrorCode.DOCUMENT_TOO_LARGE: 413}

    def __init__(self, code: PersonErrorCode, errors: dict[str, list[str]]) -> None:
        super().__init__(code, errors)

    def api_errors(self) -> list[dict[str, Any]] | None:
        entries = super().api_errors() or []
        if self.code == PersonErrorCode.DOCUMENT_TOO_LARGE:
            # 413: only the file is named, whatever else was wrong with the document.
            return [entry for entry in entries if entry["field"] == "file"]
        return entries
