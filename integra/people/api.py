"""The registry's API (tag "anagrafe").

``router`` (/api/v1/fiscal-codes/): any authenticated operator may validate a code; the answer
discloses nothing about any person (nothing is looked up but the name of a place).

``persons_router`` (/api/v1/persons): register, list, read and change persons. Reading needs
``Permission.PERSON_VIEW`` and a person in the actor's scope (integra/people/access.py: the PUA,
or an organisation that has the person in charge); a person outside it is a 404 like a missing
one. Writing needs ``Permission.PERSON_EDIT`` (403 without). Bad input is a 422 naming each
field. No ``from __future__ import annotations`` here: django-ninja's ``@paginate`` must see the
query schema of the list as a class, not as a string.
"""

import json
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Path, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import field_validator, model_validator

from integra.api.auth import actor_of
from integra.api.errors import problem
from integra.api.pagination import LimitOffset
from integra.core.access import require
from integra.core.concurrency import etag, expected_version_from_if_match, if_match_openapi
from integra.core.permissions import Permission
from integra.organizations.search import normalize
from integra.people import models as people_models
from integra.people import selectors, services
from integra.people.errors import IdentifierErrorCode, MismatchField
from integra.people.files import private_file_response
from integra.people.gate import with_person_ref
from integra.people.identifiers import IdentifierKind, Mismatch, PlaceKind
from integra.people.matching import DuplicateCandidate, PossibleDuplicate, duplicate_threshold
from integra.people.models import (
    Consent,
    ConsentDecidedBy,
    ConsentEvidence,
    ConsentPurpose,
    ConsentStatus,
    DocumentKind,
    Education,
    Employment,
    LegalGuardianKind,
    LivingSituation,
    MaritalStatus,
    PermitReason,
    Person,
    PersonDocument,
    PersonStatus,
    Sex,
)
from integra.people.schemas import OrganizationContactOut, PersonRefOut

router = Router(tags=["anagrafe"])
persons_router = Router(tags=["anagrafe"])

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


# --- /api/v1/persons ---------------------------------------------------------------------------


class IdentifierIn(Schema):
    value: str = Field(
        max_length=MAX_CODE_LENGTH,
        description="Il codice: codice fiscale, codice fiscale provvisorio, STP, ENI o numero "
        "personale della TEAM. Maiuscole, minuscole e spazi sono indifferenti.",
    )
    kind: IdentifierKind | None = Field(
        None,
        description="Tipo del codice; se assente è riconosciuto dalla forma. Obbligatorio "
        "(team) per la TEAM, che non ha una forma riconoscibile.",
    )
    issuing_country: str | None = Field(
        None, max_length=2, description="Stato che ha emesso la TEAM (ISO 3166-1 alfa-2)."
    )
    issued_on: date | None = Field(None, description="Data di rilascio.")
    valid_until: date | None = Field(
        None,
        description="Scadenza; per STP ed ENI, se assente, sei mesi dal rilascio.",
    )
    is_primary: bool = Field(
        False,
        description="Identificativo principale; se nessuno lo è, lo diventa il codice fiscale "
        "(o, in sua assenza, il più forte tra provvisorio, STP, ENI, TEAM).",
    )


_DESCRIPTIONS: dict[str, str] = {
    "family_names": "Cognome (o cognomi).",
    "given_names": "Nome (o nomi).",
    "sex": "Sesso: M, F, X (non indicato).",
    "birth_date": "Data di nascita (AAAA-MM-GG): si inserisce, non si ricava dal codice.",
    "birth_place_municipality_id": "Comune di nascita (identificativo del territorio).",
    "birth_place_code": "Codice Belfiore del luogo di nascita (Z… per uno Stato estero).",
    "citizenships": "Cittadinanze, codici ISO 3166-1 alfa-2 (es. IT, MA).",
    "languages": "Lingue parlate, codici ISO 639-1 (es. it, ar).",
    "needs_cultural_mediator": "Serve un mediatore culturale.",
    "marital_status": "Stato civile.",
    "education": "Titolo di studio.",
    "employment": "Condizione professionale.",
    "living_situation": "Condizione abitativa: sola, con familiari, in struttura, senza dimora.",
    "residence_address": "Indirizzo di residenza.",
    "residence_municipality_id": "Comune di residenza.",
    "domicile_address": "Indirizzo di domicilio.",
    "domicile_municipality_id": "Comune di domicilio.",
    "phone": "Telefono.",
    "email": "Email.",
    "legal_guardian_name": "Nome del tutore, curatore o amministratore di sostegno.",
    "legal_guardian_kind": "Tipo di protezione giuridica.",
    "family_doctor_name": "Medico di medicina generale o pediatra di libera scelta.",
}


def _d(name: str) -> str:
    return _DESCRIPTIONS[name]


class PersonPatchIn(Schema):
    """Only the fields sent change; ``identifiers`` adds new codes (none is removed)."""

    family_names: str | None = Field(None, max_length=150, description=_d("family_names"))
    given_names: str | None = Field(None, max_length=150, description=_d("given_names"))
    sex: Sex | None = Field(None, description=_d("sex"))
    birth_date: date | None = Field(None, description=_d("birth_date"))
    birth_place_municipality_id: int | None = Field(
        None, description=_d("birth_place_municipality_id")
    )
    birth_place_code: str | None = Field(None, max_length=4, description=_d("birth_place_code"))
    citizenships: list[str] | None = Field(None, max_length=10, description=_d("citizenships"))
    languages: list[str] | None = Field(None, max_length=20, description=_d("languages"))
    needs_cultural_mediator: bool | None = Field(None, description=_d("needs_cultural_mediator"))
    marital_status: MaritalStatus | None = Field(None, description=_d("marital_status"))
    education: Education | None = Field(None, description=_d("education"))
    employment: Employment | None = Field(None, description=_d("employment"))
    living_situation: LivingSituation | None = Field(None, description=_d("living_situation"))
    residence_address: str | None = Field(None, max_length=250, description=_d("residence_address"))
    residence_municipality_id: int | None = Field(None, description=_d("residence_municipality_id"))
    domicile_address: str | None = Field(None, max_length=250, description=_d("domicile_address"))
    domicile_municipality_id: int | None = Field(None, description=_d("domicile_municipality_id"))
    phone: str | None = Field(None, max_length=40, description=_d("phone"))
    email: str | None = Field(None, max_length=254, description=_d("email"))
    legal_guardian_name: str | None = Field(
        None, max_length=200, description=_d("legal_guardian_name")
    )
    legal_guardian_kind: LegalGuardianKind | None = Field(
        None, description=_d("legal_guardian_kind")
    )
    family_doctor_name: str | None = Field(
        None, max_length=200, description=_d("family_doctor_name")
    )
    identifiers: list[IdentifierIn] | None = Field(
        None, max_length=10, description="Identificativi da aggiungere."
    )

    @field_validator("family_names", "given_names", "needs_cultural_mediator", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError(_("Non può essere null: ometti il campo per lasciarlo com'è."))
        return value


class PersonCreateIn(PersonPatchIn):
    family_names: str = Field(max_length=150, description=_d("family_names"))  # type: ignore[assignment]
    given_names: str = Field(max_length=150, description=_d("given_names"))  # type: ignore[assignment]
    identifiers: list[IdentifierIn] = Field(  # type: ignore[assignment]
        default_factory=list,
        max_length=10,
        description="Identificativi della persona; nessuno per chi non ne ha (la scheda "
        "risulta incompleta).",
    )
    confirm_new_person_reason: str | None = Field(
        None,
        max_length=500,
        description="Perché si registra comunque una nuova persona quando il controllo dei "
        "duplicati ne ha trovata una quasi certamente uguale (es. gemelli, omonimi con codici "
        "fiscali diversi). Senza, la registrazione risponde 409 possible_duplicate.",
    )


class PersonIdentifierOut(Schema):
    id: int = Field(description="Identificativo del codice.")
    kind: IdentifierKind = Field(description="Tipo: cf, cf_provisional, stp, eni, team.")
    value: str = Field(description="Il codice, normalizzato.")
    issuing_country: str = Field(description="Stato che ha emesso la TEAM (vuoto per gli altri).")
    issued_on: date | None = Field(description="Data di rilascio.")
    valid_until: date | None = Field(description="Scadenza.")
    is_primary: bool = Field(description="Identificativo principale.")


class PersonOut(Schema):
    id: int = Field(description="Identificativo della persona.")
    family_names: str = Field(description=_d("family_names"))
    given_names: str = Field(description=_d("given_names"))
    sex: Sex = Field(description=_d("sex"))
    birth_date: date | None = Field(description=_d("birth_date"))
    birth_place_municipality_id: int | None = Field(description=_d("birth_place_municipality_id"))
    birth_place_code: str = Field(description=_d("birth_place_code"))
    citizenships: list[str] = Field(description=_d("citizenships"))
    languages: list[str] = Field(description=_d("languages"))
    needs_cultural_mediator: bool = Field(description=_d("needs_cultural_mediator"))
    marital_status: MaritalStatus = Field(description=_d("marital_status"))
    education: Education = Field(description=_d("education"))
    employment: Employment = Field(description=_d("employment"))
    living_situation: LivingSituation = Field(description=_d("living_situation"))
    residence_address: str = Field(description=_d("residence_address"))
    residence_municipality_id: int | None = Field(description=_d("residence_municipality_id"))
    domicile_address: str = Field(description=_d("domicile_address"))
    domicile_municipality_id: int | None = Field(description=_d("domicile_municipality_id"))
    competent_municipality_id: int | None = Field(
        description="Comune competente: quello di residenza, altrimenti quello di domicilio."
    )
    competent_municipality: str | None = Field(description="Nome del Comune competente.")
    phone: str = Field(description=_d("phone"))
    email: str = Field(description=_d("email"))
    legal_guardian_name: str = Field(description=_d("legal_guardian_name"))
    legal_guardian_kind: LegalGuardianKind = Field(description=_d("legal_guardian_kind"))
    family_doctor_name: str = Field(description=_d("family_doctor_name"))
    status: PersonStatus = Field(description="Stato della scheda: active o merged.")
    merged_into_id: int | None = Field(description="Scheda in cui questa è stata unita.")
    registered_by_id: int = Field(description="Ente che ha registrato la persona.")
    registered_by: str = Field(alias="registered_by.name", description="Nome di quell'ente.")
    is_incomplete: bool = Field(
        description="Vero se manca ogni identificativo o la data di nascita."
    )
    identifiers: list[PersonIdentifierOut] = Field(description="Identificativi della persona.")
    created_at: datetime = Field(description="Registrata il.")
    updated_at: datetime = Field(description="Ultima modifica.")

    @staticmethod
    def resolve_competent_municipality_id(obj: Person) -> int | None:
        municipality = obj.competent_municipality
        return municipality.pk if municipality is not None else None

    @staticmethod
    def resolve_competent_municipality(obj: Person) -> str | None:
        municipality = obj.competent_municipality
        return municipality.name if municipality is not None else None

    @staticmethod
    def resolve_identifiers(obj: Person) -> list[Any]:
        return list(obj.identifiers.all())


class PersonWithWarningsOut(PersonOut):
    warnings: list[MismatchOut] = Field(
        description="Avvisi, non errori: un codice fiscale non concorda con sesso, data o luogo "
        "di nascita indicati (DM 23/12/1976 n. 13813). La persona è stata salvata comunque."
    )


class PersonQuery(Schema):
    identifier: str | None = Field(
        None,
        max_length=MAX_CODE_LENGTH,
        pattern=r"^[A-Za-z0-9 ]*$",
        description="Solo la persona con questo codice (corrispondenza esatta; maiuscole e "
        "spazi indifferenti).",
    )


def _with_warnings(person: Person, warnings: list[Mismatch]) -> Person:
    person.warnings = warnings  # type: ignore[attr-defined]
    return person


def _payload_data(payload: Schema, *, exclude_unset: bool) -> dict[str, Any]:
    data = payload.dict(exclude_unset=exclude_unset)
    for key in ("sex", "marital_status", "education", "employment", "living_situation"):
        if data.get(key) is not None:
            data[key] = str(data[key].value if hasattr(data[key], "value") else data[key])
    if data.get("legal_guardian_kind") is not None:
        data["legal_guardian_kind"] = str(data["legal_guardian_kind"].value)
    for item in data.get("identifiers") or []:
        if item.get("kind") is not None:
            item["kind"] = str(item["kind"].value)
    return data


@persons_router.post(
    "",
    response={201: PersonWithWarningsOut},
    summary="Registra una persona",
    description="Serve il permesso person.edit (altrimenti 403). Ogni identificativo è "
    "verificato (un codice non valido: 422 che lo nomina); un codice già registrato risponde "
    "409 possible_duplicate come ogni possibile duplicato, senza dire di chi è (e non si supera "
    "con un motivo: due persone non hanno mai lo stesso codice). Le differenze tra codice fiscale e sesso, data o "
    "luogo di nascita sono avvisi (`warnings`). L'ente con cui si opera prende in carico la "
    "persona. Se la persona sembra già registrata (punteggio pari o superiore alla soglia) "
    "risponde 409 possible_duplicate con i `candidates`, salvo `confirm_new_person_reason`.",
)
def person_create_endpoint(request: HttpRequest, payload: PersonCreateIn) -> Any:
    try:
        person, warnings = services.person_create(
            actor=actor_of(request), data=_payload_data(payload, exclude_unset=False)
        )
    except PossibleDuplicate as exc:
        return _duplicate_problem(request, exc)
    return Status(201, _with_warnings(person, warnings))


@persons_router.get(
    "",
    response=list[PersonOut],
    summary="Le persone visibili",
    description="Le persone che si possono consultare (il PUA vede l'anagrafe; gli altri enti "
    "le persone che hanno in carico) e di cui si può vedere il contenuto (registrate dal "
    "proprio ente o con il consenso alla condivisione), per cognome e nome. Serve il permesso "
    "person.view. La consultazione è registrata nel registro degli accessi.",
)
@paginate(LimitOffset)
def person_list_endpoint(request: HttpRequest, filters: Query[PersonQuery]) -> object:
    actor = actor_of(request)
    identifier = filters.identifier or ""
    qs = selectors.person_list(actor=actor, identifier=identifier)
    selectors.person_list_access_record(actor=actor, identifier=identifier)
    return qs


class PersonFullOut(PersonOut):
    limited: Literal[False] = Field(
        False, description="Falso: la scheda completa (vedi la variante limitata)."
    )


class PersonLimitedOut(Schema):
    limited: Literal[True] = Field(
        description="Vero: senza il consenso alla condivisione tra enti si sa solo che la "
        "persona è registrata e a chi rivolgersi, mai il contenuto della scheda."
    )
    known: Literal[True] = Field(description="La persona è registrata nel sistema.")
    id: int = Field(description="Identificativo della persona.")
    contacts: list[OrganizationContactOut] = Field(
        description="L'ente che ha registrato la persona, con i suoi recapiti."
    )
    reason: str = Field(description="Perché la scheda è limitata.")


class PersonSearchQuery(Schema):
    q: str = Field(
        min_length=2,
        max_length=100,
        description="Nome e cognome (in qualunque ordine, anche con errori di battitura, "
        "senza accenti o apostrofi) oppure un codice: codice fiscale (anche omocodico), "
        "codice fiscale provvisorio, STP, ENI.",
    )
    birth_date: date | None = Field(None, description="Solo i nati in questa data (AAAA-MM-GG).")
    birth_year: int | None = Field(
        None, ge=1900, le=2100, description="Solo i nati in questo anno."
    )
    limit: int = Field(20, ge=1, le=50, description="Risultati per pagina (1-50).")
    page: int = Field(
        1,
        ge=1,
        le=100_000,
        description="Pagina dei risultati, da 1 (oltre l'ultima si riceve l'ultima).",
    )

    @field_validator("q")
    @classmethod
    def _searchable(cls, value: str) -> str:
        if "\x00" in value or not normalize(value):
            raise ValueError(_("Scrivi un nome, un cognome o un codice da cercare."))
        return value

    @model_validator(mode="after")
    def _consistent_birth(self) -> "PersonSearchQuery":
        if (
            self.birth_date is not None
            and self.birth_year is not None
            and self.birth_date.year != self.birth_year
        ):
            raise ValueError(_("La data e l'anno di nascita indicati non coincidono."))
        return self


class PersonSummaryOut(Schema):
    id: int = Field(description="Identificativo della persona.")
    family_names: str = Field(description=_d("family_names"))
    given_names: str = Field(description=_d("given_names"))
    sex: Sex = Field(description=_d("sex"))
    birth_date: date | None = Field(description=_d("birth_date"))
    birth_place_code: str = Field(description=_d("birth_place_code"))
    identifiers: list[PersonIdentifierOut] = Field(description="Identificativi della persona.")

    @staticmethod
    def resolve_identifiers(obj: Person) -> list[Any]:
        return list(obj.identifiers.all())


_REASONS = (
    "Motivi: same_code (stesso codice), omocodic_code (stesso codice in forma omocodica), "
    "name_exact, name_similar, names_swapped (nome e cognome invertiti), same_birth_date, "
    "same_birth_year, same_name_and_birth_date, similar_name_same_birth_date_and_place, "
    "similar_name_same_birth_date, same_name, different_codes (codici fiscali diversi: gemelli "
    "od omonimi, mai una corrispondenza certa)."
)


class PersonMatchOut(Schema):
    person_id: int = Field(description="Identificativo della persona.")
    limited: bool = Field(
        description="Vero quando manca il consenso alla condivisione tra enti: nessun dato della "
        "persona, solo l'ente da contattare (`contact`)."
    )
    person: PersonSummaryOut | None = Field(
        description="La persona trovata (assente se `limited`)."
    )
    contact: OrganizationContactOut | None = Field(
        description="L'ente che ha registrato la persona (solo se `limited`)."
    )
    score: float = Field(description="Somiglianza da 0 a 1 (1 = codice o nome identico).")
    reasons: list[str] = Field(description=_REASONS)


class PersonSearchOut(Schema):
    count: int = Field(description="Numero di risultati in questa pagina (al massimo `limit`).")
    total: int = Field(
        description="Persone trovate in tutto; se `more` è vero, ce ne possono essere altre."
    )
    more: bool = Field(
        description="Vero quando le persone che corrispondono sono più di `total` (sono "
        "elencate le più vicine): affinare la ricerca."
    )
    page: int = Field(description="Numero di questa pagina, da 1.")
    pages: int = Field(description="Numero di pagine.")
    has_next: bool = Field(description="Vero se esiste la pagina successiva.")
    items: list[PersonMatchOut] = Field(description="Le persone trovate, dalla più simile.")


class DuplicateCandidateOut(Schema):
    score: float | None = Field(
        description="Probabilità che sia la stessa persona, da 0 a 1 (solo se visibile)."
    )
    certain: bool = Field(
        description="Punteggio pari o superiore alla soglia: blocca la registrazione."
    )
    reasons: list[str] = Field(description=_REASONS + " Vuoto se la persona non è visibile.")
    visible: bool = Field(description="La persona è visibile a chi opera.")
    person: PersonSummaryOut | None = Field(
        description="La persona, se visibile; altrimenti null (nessun nome né identificativo)."
    )
    known: PersonRefOut | None = Field(
        description="Per una persona nota a chi opera ma senza il consenso alla condivisione: "
        "solo l'identificativo e l'ente da contattare."
    )
    message: str = Field(description="Cosa fare.")

    @staticmethod
    def resolve_known(obj: DuplicateCandidate) -> Any:
        return obj.ref

    @staticmethod
    def resolve_message(obj: DuplicateCandidate) -> str:
        return _candidate_message(obj)


class DuplicateCheckOut(Schema):
    threshold: float = Field(description="Soglia oltre la quale la registrazione è bloccata.")
    count: int = Field(description="Numero di possibili duplicati.")
    items: list[DuplicateCandidateOut] = Field(description="I possibili duplicati, dal più simile.")


def _candidate_message(candidate: DuplicateCandidate) -> str:
    if candidate.visible:
        return _("Persona già presente tra quelle che puoi consultare: verifica la sua scheda.")
    if candidate.ref is not None:
        return _(
            "Persona già registrata, di cui non puoi vedere la scheda senza il suo consenso alla "
            "condivisione: rivolgiti all'ente indicato, o raccogli il consenso con la persona "
            "presente."
        )
    return _(
        "Una persona con questi dati è già registrata nell'anagrafe: rivolgiti al PUA per "
        "essere abilitato alla sua scheda."
    )


def _candidate_json(candidate: DuplicateCandidate) -> dict[str, Any]:
    return DuplicateCandidateOut.model_validate(candidate).model_dump(mode="json")


def _duplicate_problem(request: HttpRequest, exc: PossibleDuplicate) -> HttpResponse:
    """409 with the candidates: repeat with ``confirm_new_person_reason`` to register anyway."""
    response = problem(
        request,
        status=409,
        code=PossibleDuplicate.code,
        title=_("Possibile duplicato"),
        detail=_(
            "La persona sembra già registrata. Verifica i possibili duplicati; se è davvero "
            "un'altra persona (per esempio un gemello o un omonimo), ripeti indicando il motivo "
            "in confirm_new_person_reason."
        ),
    )
    body = json.loads(response.content)
    body["candidates"] = [_candidate_json(c) for c in exc.candidates]
    response.content = json.dumps(body, ensure_ascii=False).encode()
    selectors.person_duplicate_check_access_record(
        actor=actor_of(request), candidates=exc.candidates
    )
    return response


@persons_router.get(
    "/search",
    response=PersonSearchOut,
    summary="Cerca una persona per nome, codice o telefono",
    description="Per codice, corrispondenza esatta (anche omocodica): trova anche chi si "
    "conosce solo in forma limitata. Tra le persone di cui si legge la scheda: per l'inizio "
    "del codice fiscale (almeno 6 caratteri), per numero di telefono (spazi, trattini e +39 "
    "ignorati), per nome (tollera errori di battitura, accenti, apostrofi e nome e cognome "
    "invertiti). Risultati ordinati per punteggio, a pagine (`page`, `limit`); `total` conta "
    "fino a un tetto e `more` dice se ce ne sono altri. Serve il permesso person.view; la "
    "ricerca è registrata nel registro degli accessi.",
)
def person_search_endpoint(request: HttpRequest, filters: Query[PersonSearchQuery]) -> Any:
    found = selectors.person_search_page(
        actor=actor_of(request),
        query=filters.q,
        birth_date=filters.birth_date,
        birth_year=filters.birth_year,
        page=filters.page,
        page_size=filters.limit,
    )
    return {
        "count": len(found.items),
        "total": found.total,
        "more": found.more,
        "page": found.number,
        "pages": found.pages,
        "has_next": found.has_next,
        "items": found.items,
    }


@persons_router.post(
    "/check-duplicates",
    response=DuplicateCheckOut,
    summary="Controlla se una persona è già registrata",
    description="Prima di registrare: stessi dati della registrazione. Cerca in tutta "
    "l'anagrafe (non solo tra le persone visibili); di una persona non visibile dice solo che "
    "è registrata (nessun nome né identificativo). Serve il permesso person.edit.",
)
def person_check_duplicates_endpoint(request: HttpRequest, payload: PersonCreateIn) -> Any:
    actor = actor_of(request)
    candidates = selectors.person_duplicate_candidates(
        actor=actor, data=_payload_data(payload, exclude_unset=False)
    )
    selectors.person_duplicate_check_access_record(actor=actor, candidates=candidates)
    return {"threshold": duplicate_threshold(), "count": len(candidates), "items": candidates}


@persons_router.get(
    "/{person_id}",
    response=PersonFullOut | PersonLimitedOut,
    summary="La scheda anagrafica di una persona",
    description="Una persona fuori dalla propria visibilità risponde 404 come una inesistente. "
    "L'ente che ha registrato la persona vede la scheda completa; gli altri enti (anche il PUA "
    "di un altro ente) solo se la persona ha prestato il consenso alla condivisione tra enti "
    "(Garante, Linee guida sul Dossier sanitario 4/6/2015); altrimenti la risposta è limitata "
    "(`limited` = true): la persona è registrata, l'ente da contattare e il motivo. Ogni "
    "lettura è registrata nel registro degli accessi. La scheda completa porta l'intestazione "
    "`ETag`, da rinviare in `If-Match` per modificarla.",
)
def person_get_endpoint(request: HttpRequest, person_id: int, response: HttpResponse) -> Any:
    view = selectors.person_get(actor=actor_of(request), person_id=person_id)
    if view.person is not None:
        response["ETag"] = etag(view.person)
        return view.person
    return {
        "limited": True,
        "known": True,
        "id": view.person_id,
        "contacts": view.contacts,
        "reason": view.reason,
    }


@persons_router.patch(
    "/{person_id}",
    response=PersonWithWarningsOut,
    summary="Modifica una persona",
    description="Cambia solo i campi inviati; `identifiers` aggiunge codici. Serve il permesso "
    "person.edit (403); una persona non visibile risponde 404; dati non validi 422 per campo; "
    "un codice già registrato per un'altra persona 409 possible_duplicate, come ogni possibile "
    "duplicato. Serve `If-Match` con l'ETag della lettura (senza: 428; se nel frattempo la "
    "scheda è cambiata: 412); la risposta porta il nuovo `ETag`.",
    openapi_extra=if_match_openapi(),
)
def person_update_endpoint(
    request: HttpRequest, person_id: int, payload: PersonPatchIn, response: HttpResponse
) -> Any:
    actor = actor_of(request)
    require(actor, Permission.PERSON_EDIT)  # a 403 comes before a missing If-Match's 428
    expected = expected_version_from_if_match(request)
    try:
        person, warnings = services.person_update(
            actor=actor,
            person_id=person_id,
            data=_payload_data(payload, exclude_unset=True),
            expected_version=expected,
        )
    except PossibleDuplicate as exc:
        return _duplicate_problem(request, exc)
    response["ETag"] = etag(person)
    return _with_warnings(person, warnings)


# --- /api/v1/persons/{id}/consents -------------------------------------------------------------


class ConsentIn(Schema):
    purpose: ConsentPurpose = Field(
        description="Finalità: taking_in_charge (presa in carico), sharing (condivisione tra "
        "enti, fascicolo integrato), research (ricerca e statistica)."
    )
    status: ConsentStatus = Field(description="given (prestato) o withdrawn (revocato).")
    decided_on: date = Field(description="Data della decisione della persona; non futura.")
    evidence_note: str = Field(
        max_length=services.CONSENT_EVIDENCE_MAX_LENGTH,
        description="Documentazione: es. modulo firmato, protocollo n. …; per una dichiarazione "
        "di presenza, come la persona ha espresso la decisione.",
    )
    expires_on: date | None = Field(
        None, description="Scadenza del consenso prestato (facoltativa)."
    )
    decided_by: ConsentDecidedBy = Field(
        ConsentDecidedBy.PERSON,
        description="Chi ha espresso la decisione: person o guardian (tutore, curatore, "
        "amministratore di sostegno).",
    )
    guardian_name: str = Field("", max_length=200, description="Nome del tutore (se guardian).")


class ConsentOut(Schema):
    id: int = Field(description="Identificativo della decisione.")
    purpose: ConsentPurpose = Field(description="Finalità.")
    purpose_label: str = Field(description="Finalità, in parole.")
    status: ConsentStatus = Field(description="given (prestato) o withdrawn (revocato).")
    status_label: str = Field(description="Stato, in parole.")
    decided_on: date = Field(description="Data della decisione.")
    expires_on: date | None = Field(description="Scadenza.")
    evidence_note: str = Field(description="Documentazione.")
    evidence_kind: ConsentEvidence = Field(
        description="Prova: signed_form (modulo firmato, scansione allegata) o "
        "presence_declaration (dichiarazione dell'operatore con la persona presente)."
    )
    has_signed_form: bool = Field(description="Vero se la scansione del modulo è allegata.")
    evidence_sha256: str = Field(description="Impronta SHA-256 della scansione.")
    decided_by: ConsentDecidedBy = Field(description="Chi ha espresso la decisione.")
    guardian_name: str = Field(description="Nome del tutore (se guardian).")
    recorded_by_id: int = Field(description="Appartenenza dell'operatore che l'ha registrata.")
    recorded_by: str = Field(description="Operatore che l'ha registrata.")
    recorded_by_organization_id: int = Field(description="Ente che l'ha registrata.")
    recorded_by_organization: str = Field(description="Denominazione di quell'ente.")
    created_at: datetime = Field(description="Registrata il.")

    @staticmethod
    def resolve_has_signed_form(obj: Consent) -> bool:
        return bool(obj.evidence_file)

    @staticmethod
    def resolve_purpose_label(obj: Consent) -> str:
        return str(obj.get_purpose_display())

    @staticmethod
    def resolve_status_label(obj: Consent) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_recorded_by(obj: Consent) -> str:
        return str(obj.recorded_by.user)

    @staticmethod
    def resolve_recorded_by_organization(obj: Consent) -> str:
        return obj.recorded_by_organization.name


class ConsentStateOut(Schema):
    purpose: ConsentPurpose = Field(description="Finalità.")
    purpose_label: str = Field(description="Finalità, in parole.")
    status: ConsentStatus | None = Field(
        description="Ultima decisione: given, withdrawn, o null se la persona non si è espressa."
    )
    in_force: bool = Field(description="Vero se prestato e non scaduto.")
    decision: ConsentOut | None = Field(
        description="L'ultima decisione (data, chi l'ha registrata, documentazione)."
    )

    @staticmethod
    def resolve_purpose_label(obj: selectors.ConsentState) -> str:
        return str(obj.purpose.label)


class ConsentsOut(Schema):
    current: list[ConsentStateOut] = Field(
        description="Per ogni finalità, lo stato attuale: l'ultima decisione per data e ordine "
        "di registrazione."
    )
    history: list[ConsentOut] = Field(
        description="Tutte le decisioni, per finalità e dalla più recente: una revoca è una "
        "decisione nuova, le precedenti restano."
    )


@persons_router.get(
    "/{person_id}/consents",
    response=ConsentsOut,
    summary="I consensi di una persona",
    description="Stato attuale per finalità e storia delle decisioni. Serve il permesso "
    "person.view e una persona visibile (altrimenti 404). La lettura è registrata.",
)
def consent_list_endpoint(request: HttpRequest, person_id: int) -> Any:
    history = selectors.consent_history(actor=actor_of(request), person_id=person_id)
    return {"current": selectors.consents_current_of(history), "history": history}


_CONSENT_WHO = (
    "Può registrarla chi vede il contenuto della scheda, oppure il PUA (permesso "
    "intake.manage) con la persona o il tutore presenti: è l'unico modo in cui una scheda vista "
    "in forma limitata diventa consultabile. Chiunque altro riceve 404, come per una persona "
    "inesistente. Se chi registra non è l'ente che ha registrato la persona, quell'ente riceve "
    "un avviso (/api/v1/notices)."
)


@persons_router.post(
    "/{person_id}/consents",
    response={201: ConsentOut},
    summary="Registra un consenso o una revoca (dichiarazione di presenza)",
    description="Registra la decisione della persona su una finalità: una nuova riga, mai la "
    "modifica di una precedente, documentata dalla dichiarazione dell'operatore che la persona "
    "era presente (per il modulo firmato: /consents/signed-form). "
    + _CONSENT_WHO
    + " Serve il permesso person.edit (403); dati non validi (data futura, documentazione "
    "mancante) 422 per campo.",
)
def consent_create_endpoint(request: HttpRequest, person_id: int, payload: ConsentIn) -> Any:
    return _consent_create(request, person_id, payload, ConsentEvidence.PRESENCE_DECLARATION)


@persons_router.post(
    "/{person_id}/consents/signed-form",
    response={201: ConsentOut},
    summary="Registra un consenso o una revoca con il modulo firmato",
    description="multipart/form-data: gli stessi campi della dichiarazione di presenza e "
    "`file`, la scansione del modulo firmato (PDF, JPEG o PNG riconosciuti dal contenuto). "
    + _CONSENT_WHO,
)
def consent_signed_form_endpoint(
    request: HttpRequest,
    person_id: int,
    payload: Form[ConsentIn],
    file: UploadedFile = File(..., description="Il modulo firmato: PDF, JPEG o PNG."),  # noqa: B008
) -> Any:
    return _consent_create(request, person_id, payload, ConsentEvidence.SIGNED_FORM, file)


def _consent_create(
    request: HttpRequest,
    person_id: int,
    payload: ConsentIn,
    evidence_kind: ConsentEvidence,
    upload: UploadedFile | None = None,
) -> Any:
    consent = services.consent_record(
        actor=actor_of(request),
        person_id=person_id,
        purpose=str(payload.purpose.value),
        status=str(payload.status.value),
        decided_on=payload.decided_on,
        evidence_note=payload.evidence_note,
        expires_on=payload.expires_on,
        evidence_kind=evidence_kind,
        decided_by=str(payload.decided_by.value),
        guardian_name=payload.guardian_name,
        upload=upload,
    )
    return Status(201, consent)


@persons_router.get(
    "/{person_id}/consents/{consent_id}/file",
    summary="Scarica il modulo firmato di un consenso",
    description="Stesse regole della lettura dei consensi (404 se la persona non è "
    "consultabile o la decisione non ha un modulo). Lo scaricamento è registrato.",
)
def consent_file_endpoint(request: HttpRequest, person_id: int, consent_id: int) -> Any:
    consent = selectors.consent_form_for_download(
        actor=actor_of(request), person_id=person_id, consent_id=consent_id
    )
    return private_file_response(
        consent.evidence_file, consent.evidence_file_name, consent.evidence_content_type
    )


# --- /api/v1/persons/{id}/documents and /api/v1/permits ----------------------------------------

permits_router = Router(tags=["anagrafe"])


class DocumentIn(Schema):
    kind: DocumentKind = Field(
        description="Tipo: identity_card (carta d'identità), passport, driving_licence "
        "(patente), residence_permit (permesso di soggiorno), residence_permit_receipt "
        "(ricevuta di richiesta o rinnovo), health_card (tessera sanitaria), "
        "disability_certificate (invalidità civile), l104_report (verbale L. 104), other."
    )
    number: str = Field("", max_length=200, description="Numero del documento.")
    issuer: str = Field("", max_length=400, description="Ente che lo ha rilasciato.")
    issued_on: date | None = Field(None, description="Data di rilascio (AAAA-MM-GG).")
    expires_on: date | None = Field(None, description="Data di scadenza (AAAA-MM-GG).")
    permit_reason: PermitReason = Field(
        PermitReason.NONE,
        description="Solo per il permesso di soggiorno o la ricevuta: work, family, study, "
        "international_protection, special_protection, asylum, other.",
    )


class DocumentOut(Schema):
    id: int = Field(description="Identificativo del documento.")
    person_id: int = Field(description="La persona.")
    kind: DocumentKind = Field(description="Tipo di documento.")
    kind_label: str = Field(description="Tipo, in parole.")
    number: str = Field(description="Numero.")
    issuer: str = Field(description="Ente di rilascio.")
    issued_on: date | None = Field(description="Data di rilascio.")
    expires_on: date | None = Field(description="Data di scadenza.")
    permit_reason: PermitReason = Field(description="Motivo del permesso (se permesso).")
    has_file: bool = Field(description="Vero se è stato caricato un file (scaricabile a parte).")
    file_name: str = Field(description="Nome del file per lo scaricamento.")
    content_type: str = Field(description="Tipo del file (PDF, JPEG o PNG).")
    size: int | None = Field(description="Dimensione del file in byte.")
    sha256: str = Field(description="Impronta SHA-256 del file.")
    uploaded_by_id: int = Field(description="Appartenenza dell'operatore che l'ha caricato.")
    created_at: datetime = Field(description="Registrato il.")

    @staticmethod
    def resolve_kind_label(obj: PersonDocument) -> str:
        return str(obj.get_kind_display())


class PermitOut(DocumentOut):
    person_name: str = Field(description="Cognome e nome della persona.")
    days_left: int = Field(description="Giorni alla scadenza (0: scade oggi).")

    @staticmethod
    def resolve_person_name(obj: PersonDocument) -> str:
        return str(obj.person)

    @staticmethod
    def resolve_days_left(obj: PersonDocument) -> int:
        assert obj.expires_on is not None  # the list holds only documents with an expiry
        return (obj.expires_on - timezone.localdate()).days


class PermitsQuery(Schema):
    within_days: int = Field(
        selectors.PERMITS_EXPIRING_DAYS,
        ge=0,
        le=366,
        description="Entro quanti giorni da oggi (da 0 a 366; 60 se non indicato).",
    )


@persons_router.get(
    "/{person_id}/documents",
    response=list[DocumentOut],
    summary="I documenti di una persona",
    description="Documenti d'identità, permessi di soggiorno e certificazioni. Serve il "
    "permesso person.view e una persona di cui si può vedere il contenuto (altrimenti 404). "
    "La lettura è registrata.",
)
@paginate(LimitOffset)
def document_list_endpoint(request: HttpRequest, person_id: int) -> object:
    return selectors.documents_of(actor=actor_of(request), person_id=person_id)


@persons_router.post(
    "/{person_id}/documents",
    response={201: DocumentOut},
    summary="Registra un documento",
    description="Dati del documento (multipart/form-data) e, facoltativo, il file (`file`): "
    "PDF, JPEG o PNG riconosciuti dal contenuto, non dal nome; al massimo "
    "PEOPLE_DOCUMENT_MAX_BYTES (10 MB). Serve il permesso person.edit (403); una persona non "
    "visibile o senza consenso alla condivisione risponde 404; file troppo grande 413; tipo "
    "non ammesso o dati non validi 422. In caso di errore non si salva nulla.",
)
def document_create_endpoint(
    request: HttpRequest,
    person_id: int,
    payload: Form[DocumentIn],
    file: UploadedFile | None = File(  # noqa: B008 - django-ninja's parameter marker
        None, description="Il file del documento: PDF, JPEG o PNG (facoltativo)."
    ),
) -> Any:
    document = services.person_document_create(
        actor=actor_of(request),
        person_id=person_id,
        kind=str(payload.kind.value),
        number=payload.number,
        issuer=payload.issuer,
        issued_on=payload.issued_on,
        expires_on=payload.expires_on,
        permit_reason=str(payload.permit_reason.value),
        upload=file,
    )
    return Status(201, document)


@persons_router.get(
    "/{person_id}/documents/{document_id}/file",
    summary="Scarica il file di un documento",
    description="Il file come allegato (Content-Disposition: attachment). Stesse regole della "
    "lettura dei documenti (404 se la persona o il documento non sono visibili o se il "
    "documento non ha un file). Lo scaricamento è registrato.",
)
def document_file_endpoint(request: HttpRequest, person_id: int, document_id: int) -> Any:
    document = selectors.document_for_download(
        actor=actor_of(request), person_id=person_id, document_id=document_id
    )
    return private_file_response(document.file, document.file_name, document.content_type)


@permits_router.get(
    "/expiring",
    response=list[PermitOut],
    summary="Permessi di soggiorno in scadenza",
    description="I permessi di soggiorno (e le ricevute di richiesta o rinnovo) che scadono da "
    "oggi a oggi più `within_days` giorni (inclusi), delle persone in carico al proprio ente e "
    "di cui si può vedere il contenuto, dalla scadenza più vicina. Serve il permesso "
    "person.view. La consultazione è registrata.",
)
@paginate(LimitOffset)
def permits_expiring_endpoint(request: HttpRequest, filters: Query[PermitsQuery]) -> object:
    actor = actor_of(request)
    qs = selectors.permits_expiring(actor=actor, within_days=filters.within_days)
    selectors.permits_expiring_access_record(actor=actor, within_days=filters.within_days)
    return qs


# --- /api/v1/persons/{id}/household ------------------------------------------------------------


class HouseholdMemberIn(Schema):
    member_id: int | None = Field(
        None, description="La persona dell'anagrafe che è componente (se registrata)."
    )
    name: str = Field(
        "",
        max_length=services.HOUSEHOLD_NAME_MAX_LENGTH,
        description="Nome e cognome del componente non registrato in anagrafe.",
    )
    birth_year: int | None = Field(
        None, description="Anno di nascita del componente non registrato."
    )
    relationship: people_models.HouseholdRelationship = Field(
        description="Relazione con la persona: spouse (coniuge/partner), child (figlio/a), "
        "parent (genitore), sibling (fratello/sorella), grandparent (nonno/a), grandchild "
        "(nipote), other_relative (altro parente), cohabitant (convivente non parente)."
    )
    cohabiting: bool = Field(False, description="Vero se convive con la persona.")
    is_caregiver: bool = Field(False, description="Vero se è caregiver familiare della persona.")
    caregiver_needs: list[people_models.CaregiverNeed] = Field(
        [],
        description="Bisogni del caregiver stesso: respite (sollievo), training (formazione), "
        "psychological (supporto psicologico), information, financial, work_life.",
    )
    caregiver_needs_note: str = Field(
        "",
        max_length=services.HOUSEHOLD_NOTE_MAX_LENGTH,
        description="Bisogni del caregiver, in parole.",
    )
    since: date | None = Field(None, description="Nel nucleo dal (non futura).")
    until: date | None = Field(None, description="Nel nucleo fino al (non futura).")


class HouseholdMemberPatchIn(Schema):
    name: str | None = Field(
        None, max_length=services.HOUSEHOLD_NAME_MAX_LENGTH, description="Nome e cognome."
    )
    birth_year: int | None = Field(None, description="Anno di nascita.")
    relationship: people_models.HouseholdRelationship | None = Field(
        None, description="Relazione con la persona."
    )
    cohabiting: bool | None = Field(None, description="Convivente.")
    is_caregiver: bool | None = Field(None, description="Caregiver familiare.")
    caregiver_needs: list[people_models.CaregiverNeed] | None = Field(
        None, description="Bisogni del caregiver."
    )
    caregiver_needs_note: str | None = Field(
        None, max_length=services.HOUSEHOLD_NOTE_MAX_LENGTH, description="Bisogni, in parole."
    )
    since: date | None = Field(None, description="Nel nucleo dal.")
    until: date | None = Field(None, description="Nel nucleo fino al.")


class HouseholdMemberOut(Schema):
    id: int = Field(description="Identificativo del componente nel nucleo.")
    member_id: int | None = Field(description="La persona dell'anagrafe, se registrata.")
    display_name: str = Field(
        description="Nome del componente; per una persona dell'anagrafe di cui non si può "
        "consultare la scheda, solo l'indicazione che è registrata."
    )
    member_visible: bool = Field(
        description="Vero se la scheda del componente registrato è consultabile (o se il "
        "componente non è registrato)."
    )
    name: str = Field(description="Nome scritto per un componente non registrato.")
    birth_year: int | None = Field(description="Anno di nascita (componente non registrato).")
    relationship: people_models.HouseholdRelationship = Field(description="Relazione.")
    relationship_label: str = Field(description="Relazione, in parole.")
    cohabiting: bool = Field(description="Convivente.")
    is_caregiver: bool = Field(description="Caregiver familiare.")
    caregiver_needs: list[people_models.CaregiverNeed] = Field(description="Bisogni del caregiver.")
    caregiver_needs_note: str = Field(description="Bisogni del caregiver, in parole.")
    since: date | None = Field(description="Nel nucleo dal.")
    until: date | None = Field(description="Nel nucleo fino al.")
    current: bool = Field(description="Vero se oggi fa parte del nucleo.")
    recorded_by_id: int = Field(description="Appartenenza dell'operatore che l'ha registrato.")
    created_at: datetime = Field(description="Registrato il.")

    @staticmethod
    def resolve_member_visible(obj: people_models.HouseholdMember) -> bool:
        return obj.member_id is None or not obj.member_ref.limited

    @staticmethod
    def resolve_display_name(obj: people_models.HouseholdMember) -> str:
        if obj.member_id is not None and obj.member_ref.limited:
            return _("Persona registrata in anagrafe (scheda non consultabile)")
        return obj.display_name

    @staticmethod
    def resolve_relationship_label(obj: people_models.HouseholdMember) -> str:
        return str(obj.get_relationship_display())

    @staticmethod
    def resolve_current(obj: people_models.HouseholdMember) -> bool:
        return obj.is_current()


class HouseholdQuery(Schema):
    include_ended: bool = Field(
        False, description="Vero per includere i componenti che non fanno più parte del nucleo."
    )


def _household_data(payload: Schema, *, exclude_unset: bool) -> dict[str, Any]:
    data = payload.dict(exclude_unset=exclude_unset)
    if data.get("relationship") is not None:
        data["relationship"] = str(getattr(data["relationship"], "value", data["relationship"]))
    if data.get("caregiver_needs") is not None:
        data["caregiver_needs"] = [str(getattr(n, "value", n)) for n in data["caregiver_needs"]]
    return data


@persons_router.get(
    "/{person_id}/household",
    response=list[HouseholdMemberOut],
    summary="Il nucleo familiare e i caregiver di una persona",
    description="I componenti del nucleo (i caregiver per primi). Serve il permesso "
    "person.view e una persona di cui si vede il contenuto (altrimenti 404). La lettura è "
    "registrata.",
)
@paginate(LimitOffset)
def household_list_endpoint(
    request: HttpRequest, person_id: int, filters: Query[HouseholdQuery]
) -> object:
    return selectors.household_list(
        actor=actor_of(request), person_id=person_id, include_ended=filters.include_ended
    )


@persons_router.post(
    "/{person_id}/household",
    response={201: HouseholdMemberOut},
    summary="Aggiunge un componente al nucleo",
    description="Serve il permesso social.edit (403); una persona non visibile o senza "
    "consenso alla condivisione risponde 404; dati non validi 422 per campo (componente "
    "mancante o non trovato, la persona stessa, date future o incoerenti).",
)
def household_create_endpoint(
    request: HttpRequest, person_id: int, payload: HouseholdMemberIn
) -> Any:
    actor = actor_of(request)
    row = services.household_member_add(
        actor=actor, person_id=person_id, data=_household_data(payload, exclude_unset=False)
    )
    return Status(201, _member_shown(actor, row))


def _member_shown(actor: Any, row: people_models.HouseholdMember) -> Any:
    """A row just written, with its registered member through the people gate."""
    return with_person_ref(actor, with_person_ref(actor, row), field="member")


@persons_router.patch(
    "/{person_id}/household/{member_id}",
    response=HouseholdMemberOut,
    summary="Modifica un componente del nucleo",
    description="Cambia i campi presenti. Serve il permesso social.edit (403); 404 per una "
    "persona o un componente non visibile; 422 per campo.",
)
def household_update_endpoint(
    request: HttpRequest, person_id: int, member_id: int, payload: HouseholdMemberPatchIn
) -> Any:
    actor = actor_of(request)
    row = services.household_member_update(
        actor=actor,
        person_id=person_id,
        row_id=member_id,
        data=_household_data(payload, exclude_unset=True),
    )
    return _member_shown(actor, row)


@persons_router.delete(
    "/{person_id}/household/{member_id}",
    response=HouseholdMemberOut,
    summary="Il componente non fa più parte del nucleo",
    description="Chiude l'appartenenza al nucleo da oggi (`until`): la riga resta nella "
    "storia. Serve il permesso social.edit (403); 404 se non visibile; 422 se già chiusa.",
)
def household_end_endpoint(request: HttpRequest, person_id: int, member_id: int) -> Any:
    actor = actor_of(request)
    row = services.household_member_end(actor=actor, person_id=person_id, row_id=member_id)
    return _member_shown(actor, row)


# --- /api/v1/persons/{id}/isee -----------------------------------------------------------------


class IseeIn(Schema):
    kind: people_models.IseeKind = Field(
        description="ordinario, sociosanitario, minorenni o corrente."
    )
    value: Decimal = Field(description="Valore ISEE in euro (non negativo, due decimali).")
    signed_on: date = Field(description="Data di presentazione della DSU (non futura).")
    dsu_protocol: str = Field(
        "",
        max_length=services.DSU_PROTOCOL_MAX_LENGTH,
        description="Protocollo della DSU (es. INPS-ISEE-2026-…).",
    )
    valid_until: date | None = Field(
        None,
        description="Scadenza; se assente: 31 dicembre dell'anno della DSU, sei mesi per "
        "l'ISEE corrente.",
    )


class IseeOut(Schema):
    id: int = Field(description="Identificativo della dichiarazione.")
    kind: people_models.IseeKind = Field(description="Tipo di ISEE.")
    kind_label: str = Field(description="Tipo di ISEE, in parole.")
    value: Decimal = Field(description="Valore ISEE in euro.")
    dsu_protocol: str = Field(description="Protocollo della DSU.")
    signed_on: date = Field(description="Data di presentazione della DSU.")
    valid_until: date = Field(description="Valida fino al.")
    recorded_by_id: int = Field(description="Appartenenza dell'operatore che l'ha registrata.")
    created_at: datetime = Field(description="Registrata il.")

    @staticmethod
    def resolve_kind_label(obj: people_models.IseeDeclaration) -> str:
        return str(obj.get_kind_display())


class IseeCurrentOut(Schema):
    kind: people_models.IseeKind = Field(description="Tipo di ISEE.")
    kind_label: str = Field(description="Tipo di ISEE, in parole.")
    declaration: IseeOut | None = Field(
        description="La dichiarazione valida oggi (la più recente), o null."
    )


class IseeListOut(Schema):
    current: list[IseeCurrentOut] = Field(description="Per ogni tipo, l'ISEE valido oggi.")
    history: list[IseeOut] = Field(
        description="Tutte le dichiarazioni, per tipo e dalla più recente."
    )


@persons_router.get(
    "/{person_id}/isee",
    response=IseeListOut,
    summary="Le dichiarazioni ISEE di una persona",
    description="L'ISEE valido oggi per tipo e la storia delle dichiarazioni. Serve il "
    "permesso person.view e una persona di cui si vede il contenuto (altrimenti 404). La "
    "lettura è registrata.",
)
def isee_list_endpoint(request: HttpRequest, person_id: int) -> Any:
    history = selectors.isee_history(actor=actor_of(request), person_id=person_id)
    current = [
        {"kind": kind, "kind_label": str(kind.label), "declaration": declaration}
        for kind, declaration in selectors.isee_current_by_kind(history)
    ]
    return {"current": current, "history": history}


@persons_router.post(
    "/{person_id}/isee",
    response={201: IseeOut},
    summary="Registra una dichiarazione ISEE",
    description="Una nuova riga per ogni DSU. Serve il permesso social.edit (403); una persona "
    "non visibile o senza consenso alla condivisione risponde 404; dati non validi (valore "
    "negativo, data futura, scadenza precedente alla DSU) 422 per campo.",
)
def isee_create_endpoint(request: HttpRequest, person_id: int, payload: IseeIn) -> Any:
    declaration = services.isee_record(
        actor=actor_of(request),
        person_id=person_id,
        kind=str(payload.kind.value),
        value=payload.value,
        signed_on=payload.signed_on,
        dsu_protocol=payload.dsu_protocol,
        valid_until=payload.valid_until,
    )
    return Status(201, declaration)
