"""The merge API (/api/v1/merges, tag "anagrafe"): merge two records of the same person, see
and undo merges (integra/people/merging.py).

Every endpoint needs ``Permission.PERSON_MERGE`` (403 without). A person the actor may not see
in full is a 404 like a missing one; a refused merge or undo is a 409 with a stable ``code``
(``merge_same_person``, ``merge_already_merged``, ``merge_different_fiscal_codes``,
``merge_conflict``, ``merge_already_undone``, ``merge_survivor_merged``); bad input a 422
naming each field.

Reading an alias through ``GET /api/v1/persons/{id}`` answers 200 with ``status`` = merged and
``merged_into_id``, the record to use instead; searches, lists and duplicate checks never
return an alias, and its codes find the record that was kept.

No ``from __future__ import annotations``: django-ninja's ``@paginate`` must see the schemas.
"""

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import field_validator

from integra.api.auth import actor_of
from integra.api.pagination import LimitOffset
from integra.people import merging
from integra.people.merging import MergeErrorCode
from integra.people.models import PersonMerge

router = Router(tags=["anagrafe"])

_KEEP_HELP = (
    "Per ogni dato che differisce, quale valore resta: `survivor` (la scheda che resta) o "
    "`merged` (la scheda unita). Dati: " + ", ".join(merging.FIELD_GROUPS) + ". Se un dato "
    "manca resta il valore della scheda che resta, salvo che sia vuoto."
)


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError(_("Il testo contiene caratteri non ammessi."))
    return value


class PreviewQuery(Schema):
    survivor_id: int = Field(ge=1, le=2**63 - 1, description="La scheda che resta.")
    merged_id: int = Field(ge=1, le=2**63 - 1, description="La scheda da unire (diventa alias).")


class MergeIn(Schema):
    survivor_id: int = Field(ge=1, le=2**63 - 1, description="La scheda che resta.")
    merged_id: int = Field(
        ge=1, le=2**63 - 1, description="La scheda da unire: resta come alias della prima."
    )
    reason: str = Field(
        max_length=merging.MERGE_REASON_MAX_LENGTH,
        description="Perché le due schede sono la stessa persona (es. verificato il documento).",
    )
    keep: dict[str, Literal["survivor", "merged"]] = Field(
        default_factory=dict, description=_KEEP_HELP
    )

    @field_validator("reason")
    @classmethod
    def _reason_text(cls, value: str) -> str:
        return _no_nul(value)


class UndoIn(Schema):
    reason: str = Field(
        max_length=merging.MERGE_REASON_MAX_LENGTH,
        description="Perché l'unione va annullata (es. erano due persone diverse).",
    )

    @field_validator("reason")
    @classmethod
    def _reason_text(cls, value: str) -> str:
        return _no_nul(value)


class DifferenceOut(Schema):
    field: str = Field(alias="group", description="Il dato (nome stabile).")
    label: str = Field(description="Il dato, in parole.")
    survivor_value: str = Field(description="Valore nella scheda che resta, in parole.")
    merged_value: str = Field(description="Valore nella scheda da unire, in parole.")
    default: Literal["survivor", "merged"] = Field(description="Scelta proposta.")


class LinkOut(Schema):
    kind: str = Field(alias="key", description="Relazione: app.modello.campo (stabile).")
    label: str = Field(description="Tipo di dati, in parole.")
    to_move: int = Field(description="Righe che passano alla scheda che resta.")
    kept: int = Field(description="Righe che restano sulla scheda unita (vedi kept_reasons).")
    kept_reasons: list[str] = Field(description="Perché alcune righe restano.")


class BlockerOut(Schema):
    code: MergeErrorCode = Field(description="Codice stabile del motivo.")
    message: str = Field(description="Spiegazione.")


class MergePersonOut(Schema):
    id: int = Field(description="Identificativo della persona.")
    family_names: str = Field(description="Cognome.")
    given_names: str = Field(description="Nome.")
    status: str = Field(description="active o merged.")


class PreviewOut(Schema):
    survivor: MergePersonOut = Field(description="La scheda che resta.")
    merged: MergePersonOut = Field(description="La scheda da unire.")
    can_merge: bool = Field(description="Vero se nulla impedisce l'unione.")
    blockers: list[BlockerOut] = Field(description="Cosa impedisce l'unione.")
    warnings: list[str] = Field(description="Da verificare prima di unire.")
    differences: list[DifferenceOut] = Field(description="I dati che differiscono.")
    links: list[LinkOut] = Field(description="I dati collegati della scheda da unire.")


class FieldChoiceOut(Schema):
    field: str = Field(alias="group", description="Il dato.")
    label: str = Field(description="Il dato, in parole.")
    kept: str = Field(description="survivor o merged: il valore che è rimasto.")
    survivor_value: str = Field(description="Valore della scheda che resta prima dell'unione.")
    merged_value: str = Field(description="Valore della scheda unita.")


class MovedOut(Schema):
    kind: str = Field(alias="key", description="Relazione: app.modello.campo.")
    label: str = Field(description="Tipo di dati, in parole.")
    moved: int = Field(description="Righe spostate sulla scheda che resta.")
    kept: int = Field(description="Righe rimaste sulla scheda unita.")
    kept_reasons: list[str] = Field(description="Perché sono rimaste.")


class MergeOut(Schema):
    id: int = Field(description="Identificativo dell'unione.")
    survivor: MergePersonOut = Field(description="La scheda che resta.")
    merged: MergePersonOut = Field(description="La scheda unita (alias).")
    organization_id: int = Field(description="Ente di chi ha unito.")
    merged_by: str = Field(description="Operatore che ha unito.")
    reason: str = Field(description="Motivo dell'unione.")
    merged_at: datetime = Field(description="Unita il.")
    undone: bool = Field(description="Vero se l'unione è stata annullata.")
    undone_at: datetime | None = Field(description="Annullata il.")
    undone_by: str | None = Field(description="Operatore che ha annullato.")
    undo_reason: str = Field(description="Motivo dell'annullamento.")
    fields: list[FieldChoiceOut] = Field(description="Le scelte sui dati che differivano.")
    rows: list[MovedOut] = Field(description="I dati collegati spostati e rimasti.")

    @staticmethod
    def resolve_merged_by(obj: PersonMerge) -> str:
        return str(obj.merged_by.user)

    @staticmethod
    def resolve_undone(obj: PersonMerge) -> bool:
        return obj.is_undone

    @staticmethod
    def resolve_undone_by(obj: PersonMerge) -> str | None:
        return str(obj.undone_by.user) if obj.undone_by is not None else None

    @staticmethod
    def resolve_fields(obj: PersonMerge) -> list[Any]:
        return merging.merge_fields_summary(obj)

    @staticmethod
    def resolve_rows(obj: PersonMerge) -> list[Any]:
        return merging.merge_rows_summary(obj)


@router.get(
    "/preview",
    response=PreviewOut,
    summary="Anteprima dell'unione di due schede",
    description="I dati che differiscono (con la scelta proposta), quante righe collegate "
    "passano alla scheda che resta e quante restano, cosa impedisce l'unione (codici fiscali "
    "diversi: gemelli od omonimi; la stessa scheda; una scheda già unita). Serve il permesso "
    "person.merge (403); una scheda non visibile per intero risponde 404. La lettura delle due "
    "schede è registrata.",
)
def merge_preview_endpoint(request: HttpRequest, query: Query[PreviewQuery]) -> Any:
    return merging.person_merge_preview(
        actor=actor_of(request), survivor_id=query.survivor_id, merged_id=query.merged_id
    )


@router.post(
    "",
    response={201: MergeOut},
    summary="Unisce due schede della stessa persona",
    description="Tutti i dati collegati passano alla scheda che resta; l'altra resta come "
    "alias (status merged, merged_into_id) e non compare più in ricerche ed elenchi. Le righe "
    "che violerebbero una regola (es. una presa in carico dello stesso ente già attiva) restano "
    "sull'alias e sono elencate. Serve il permesso person.merge (403); 404 per una scheda non "
    "visibile per intero; 409 se l'unione è rifiutata (codice stabile); 422 per dati non "
    "validi. Tutto è registrato e si può annullare.",
)
def merge_create_endpoint(request: HttpRequest, payload: MergeIn) -> Any:
    record = merging.person_merge(
        actor=actor_of(request),
        survivor_id=payload.survivor_id,
        merged_id=payload.merged_id,
        reason=payload.reason,
        keep=dict(payload.keep),
    )
    return Status(201, record)


@router.get(
    "",
    response=list[MergeOut],
    summary="Le unioni di schede",
    description="Le unioni delle schede che si possono consultare per intero, dalla più "
    "recente. Serve il permesso person.merge. La consultazione è registrata.",
)
@paginate(LimitOffset)
def merge_list_endpoint(request: HttpRequest) -> object:
    actor = actor_of(request)
    qs = merging.person_merge_list(actor=actor)
    merging.person_merge_list_access_record(actor=actor)
    return qs


@router.get(
    "/{merge_id}",
    response=MergeOut,
    summary="Un'unione di schede",
    description="Le scelte sui dati e le righe spostate. 404 se non visibile.",
)
def merge_detail_endpoint(request: HttpRequest, merge_id: int) -> Any:
    return merging.person_merge_get(actor=actor_of(request), merge_id=merge_id)


@router.post(
    "/{merge_id}/undo",
    response=MergeOut,
    summary="Annulla un'unione",
    description="Le righe spostate tornano alla scheda unita, che torna attiva; i dati della "
    "scheda che resta sostituiti dall'unione tornano com'erano (se non sono cambiati dopo). "
    "409 merge_already_undone se già annullata, merge_survivor_merged se la scheda che resta è "
    "stata a sua volta unita (si annulla prima quella unione); 422 senza motivo.",
)
def merge_undo_endpoint(request: HttpRequest, merge_id: int, payload: UndoIn) -> Any:
    return merging.person_merge_undo(
        actor=actor_of(request), merge_id=merge_id, reason=payload.reason
    )
