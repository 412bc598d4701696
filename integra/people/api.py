"""Identifiers of persons (tag "anagrafe"), mounted at /api/v1/fiscal-codes/.

Any authenticated operator may validate a code: the answer discloses nothing about any person
(nothing is looked up but the name of a place).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from pydantic import field_validator

from integra.people import selectors
from integra.people.errors import IdentifierErrorCode, MismatchField
from integra.people.identifiers import IdentifierKind, PlaceKind

router = Router(tags=["anagrafe"])

MAX_CODE_LENGTH = 32
_PLAUSIBLE = re.compile(r"[A-Za-z0-9 ]+")


class CodePath(Schema):
    code: str = Field(
        max_length=MAX_CODE_LENGTH,
        description=(
            "Il codice da verificare: codice fiscale (16 caratteri), codice fiscale "
            "provvisorio (11 cifre), codice STP o ENI, numero personale della TEAM (con "
            "`country`). Maiuscole, minuscole e spazi sono indifferenti."
        ),
    )

    @field_validator("code")
    @classmethod
    def plausible(cls, value: str) -> str:
        if not _PLAUSIBLE.fullmatch(value):
            raise ValueError(_("Il codice può contenere solo lettere, cifre e spazi."))
        return value


class PersonDataQuery(Schema):
    sex: Literal["M", "F"] | None = Field(
        None, description="Sesso della persona (M o F), da confrontare con il codice."
    )
    birth_date: date | None = Field(
        None, description="Data di nascita della persona (AAAA-MM-GG), da confrontare."
    )
    birth_place: str | None = Field(
        None,
        description="Codice Belfiore del luogo di nascita della persona, da confrontare.",
    )
    country: str | None = Field(
        None,
        description=(
            "Stato che ha emesso la tessera europea (TEAM), codice ISO 3166-1 alfa-2: indica "
            "che il codice è il numero personale della tessera."
        ),
    )

    @field_validator("birth_place")
    @classmethod
    def belfiore(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z][0-9]{3}", value.strip()):
            raise ValueError(_("Il codice Belfiore è una lettera seguita da tre cifre."))
        return value

    @field_validator("country")
    @classmethod
    def iso_country(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z]{2}", value.strip()):
            raise ValueError(_("Lo Stato è un codice ISO 3166-1 di due lettere."))
        return value


class ErrorOut(Schema):
    code: IdentifierErrorCode = Field(description="Codice stabile dell'errore.")
    message: str = Field(description="Spiegazione dell'errore.")


class PlaceOut(Schema):
    code: str = Field(description="Codice Belfiore (catastale).")
    name: str = Field(description="Nome del Comune o dello Stato estero.")
    province: str | None = Field(description="Sigla della provincia (per un Comune).")
    country: str | None = Field(description="Stato estero (per una nascita all'estero).")
    kind: PlaceKind = Field(description="comune o foreign_country.")


class StpEniOut(Schema):
    kind: IdentifierKind | None = Field(description="stp o eni.")
    region_code: str | None = Field(description="Codice della regione che ha emesso il codice.")
    region: str | None = Field(description="Nome della regione (o provincia autonoma).")
    issuer_code: str | None = Field(description="Codice dell'ASL o dell'azienda ospedaliera.")
    progressive: str | None = Field(description="Numero progressivo (7 cifre).")


class TeamOut(Schema):
    country: str = Field(description="Stato che ha emesso la tessera (ISO 3166-1 alfa-2).")
    number: str = Field(alias="normalised", description="Numero personale normalizzato.")


class MismatchOut(Schema):
    field: MismatchField = Field(description="Dato della persona in disaccordo con il codice.")
    message: str = Field(description="Spiegazione della differenza.")


class IdentifierOut(Schema):
    code: str = Field(description="Il codice come è stato inviato.")
    normalised: str = Field(description="Il codice senza spazi, in maiuscolo.")
    kind: IdentifierKind | None = Field(
        description="Tipo riconosciuto: cf, cf_provisional, stp, eni, team; null se nessuno."
    )
    valid: bool = Field(description="Il codice è valido.")
    errors: list[ErrorOut] = Field(description="Perché il codice non è valido.")
    omocodia: bool = Field(description="Codice fiscale omocodico (lettere al posto di cifre).")
    omocodia_normalised: str | None = Field(
        description="Codice fiscale con le cifre originali e il carattere di controllo ricalcolato."
    )
    sex: Literal["M", "F"] | None = Field(description="Sesso indicato dal codice fiscale.")
    birth_day: int | None = Field(description="Giorno di nascita.")
    birth_month: int | None = Field(description="Mese di nascita.")
    birth_year_two_digits: int | None = Field(
        description="Ultime due cifre dell'anno di nascita (il secolo non è nel codice)."
    )
    birth_date_candidates: list[date] = Field(
        description=(
            "Date di nascita possibili (1900-oggi): il codice non distingue, per esempio, il "
            "1925 dal 2025, quindi non se ne sceglie una."
        )
    )
    birth_place: PlaceOut | None = Field(description="Luogo di nascita indicato dal codice.")
    stp_eni: StpEniOut | None = Field(description="Parti di un codice STP o ENI.")
    team: TeamOut | None = Field(description="Numero e Stato di una tessera TEAM.")
    mismatches: list[MismatchOut] = Field(
        description="Avvisi: il codice non concorda con sesso, data o luogo di nascita indicati."
    )


@router.get(
    "{code}",
    response=IdentifierOut,
    summary="Verifica e decodifica un identificativo di persona",
    description=(
        "Codice fiscale (DM 23/12/1976 n. 13813, anche omocodico), codice fiscale provvisorio, "
        "codici STP ed ENI, numero della TEAM. Un codice non valido è una risposta (valid = "
        "false, con i motivi), non un errore; un testo che non può essere un codice (più di 32 "
        "caratteri o caratteri diversi da lettere, cifre e spazi) riceve 422."
    ),
)
def fiscal_code_detail(
    request: HttpRequest, path: Path[CodePath], person: Query[PersonDataQuery]
) -> Any:
    return selectors.identifier_describe(
        code=path.code,
        sex=person.sex,
        birth_date=person.birth_date,
        birth_place_code=person.birth_place,
        team_country=person.country,
    )
