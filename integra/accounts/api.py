"""API of the accounts app: the operator (``/me``) and their personal tokens."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from integra.accounts.models import ApiToken
from integra.accounts.selectors import api_tokens_of
from integra.accounts.services import api_token_revoke
from integra.api.auth import actor_of
from integra.api.pagination import LimitOffset

router = Router(tags=["operatore"])


class MeOut(Schema):
    username: str = Field(description="Nome utente dell'operatore.")
    full_name: str = Field(description="Nome e cognome dell'operatore.")
    membership_id: int | None = Field(
        description="Appartenenza con cui la richiesta opera (per un token: quella del token)."
    )
    organization: str | None = Field(description="Ente per cui la richiesta opera.")
    organization_id: int | None = Field(description="Identificativo dell'ente.")
    roles: list[str] = Field(description="Ruoli dell'appartenenza (codici stabili).")
    permissions: list[str] = Field(
        description="Permessi che ne derivano (codici stabili), in ordine alfabetico."
    )
    via_api_token: bool = Field(description="Vero se la richiesta è autenticata con un token.")


class ApiTokenOut(Schema):
    id: int = Field(description="Identificativo del token.")
    name: str = Field(description="Nome dato al token da chi lo ha creato.")
    prefix: str = Field(description="Primi caratteri del token, per riconoscerlo.")
    membership_id: int = Field(description="Appartenenza con cui il token opera.")
    organization: str = Field(
        description="Ente con cui il token opera.", alias="membership.organization.name"
    )
    created_at: datetime = Field(description="Data e ora di creazione.")
    expires_at: datetime | None = Field(description="Scadenza; vuota se il token non scade.")
    last_used_at: datetime | None = Field(description="Ultimo uso (aggiornato al più al minuto).")
    revoked_at: datetime | None = Field(description="Data e ora della revoca, se revocato.")
    usable: bool = Field(
        description="Vero se il token è valido ora (non revocato, non scaduto).",
        alias="is_usable",
    )


@router.get("", response=MeOut, summary="L'operatore e l'appartenenza con cui agisce")
def me(request: HttpRequest) -> MeOut:
    actor = actor_of(request)
    membership = actor.membership
    return MeOut(
        username=actor.user.get_username(),
        full_name=actor.user.get_full_name(),
        membership_id=membership.pk if membership else None,
        organization=membership.organization.name if membership else None,
        organization_id=membership.organization_id if membership else None,
        roles=list(membership.roles) if membership else [],
        permissions=sorted(str(p) for p in actor.permissions),
        via_api_token=actor.via_api_token,
    )


@router.get(
    "/tokens",
    response=list[ApiTokenOut],
    summary="I token personali dell'operatore",
    description="Tutti i token dell'operatore, anche revocati o scaduti, dal più recente. "
    "Il segreto non è mai restituito: Integra ne conserva solo l'impronta SHA-256.",
)
@paginate(LimitOffset)
def token_list(request: HttpRequest) -> object:
    return api_tokens_of(actor=actor_of(request))


@router.delete(
    "/tokens/{token_id}",
    response=ApiTokenOut,
    summary="Revoca un token personale",
    description="Revoca subito il token (operazione ripetibile). Il token di un altro "
    "operatore risponde 404 come uno inesistente.",
)
def token_revoke(request: HttpRequest, token_id: int) -> ApiToken:
    return api_token_revoke(actor=actor_of(request), token_id=token_id)
