"""Stable codes for what can be wrong with a person's identifier.

The code is what clients branch on and never changes; the label is the (translated) short
description. The full message returned with each error adds the specifics (which character,
which position) and is built where the check runs.
"""

from __future__ import annotations

from typing import NamedTuple

from django.db import models
from django.utils.translation import gettext_lazy as _


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
