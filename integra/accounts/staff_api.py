"""API of the staff of an organisation, mounted at /api/v1/staff: list, read, create, change.

Seeing needs ``Permission.STAFF_VIEW``, changing ``Permission.MEMBERSHIP_MANAGE`` (403 without);
another organisation's membership is a 404 like a missing one; a refused change is a 422 naming
each bad field. No ``from __future__ import annotations`` here: django-ninja's ``@paginate``
must see the query schema of the list as a class, not as a string.
"""

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import field_validator

from integra.accounts.models import Membership, MembershipStatus
from integra.accounts.selectors import (
    StaffFilters,
    staff_detail,
    staff_list,
    staff_list_access_record,
    staff_organization,
)
from integra.accounts.services import membership_update, operator_create
from integra.api.auth import actor_of
from integra.api.pagination import LimitOffset
from integra.core.permissions import Permission, Role

router = Router(tags=["operatori"])

# Service field names that differ in the API.
_STAFF_API_FIELDS = {"unit": "unit_id", "organization": "organization_id", "__all__": "-"}


class StaffQuery(Schema):
    role: Role | None = Field(None, description="Solo le appartenenze con questo ruolo.")
    active: bool | None = Field(
        None,
        description="Vero: solo le appartenenze attive oggi (non disattivate e nel periodo di "
        "validità); falso: solo le altre. Assente: tutte.",
    )
    organization_id: int | None = Field(
        None,
        description="Ente di cui elencare gli operatori; predefinito l'ente con cui si opera. "
        "Un altro ente solo per l'amministratore di sistema (per gli altri: 404).",
    )


class StaffOut(Schema):
    id: int = Field(description="Identificativo dell'appartenenza.")
    user_id: int = Field(description="Identificativo dell'operatore.")
    username: str = Field(alias="user.username", description="Nome utente dell'operatore.")
    first_name: str = Field(alias="user.first_name", description="Nome.")
    last_name: str = Field(alias="user.last_name", description="Cognome.")
    email: str = Field(alias="user.email", description="Email (può essere vuota).")
    fiscal_code: str | None = Field(
        description="Codice fiscale dell'operatore; solo per chi gestisce gli operatori "
        "(permesso membership.manage), altrimenti null."
    )
    organization_id: int = Field(description="Ente dell'appartenenza.")
    organization: str = Field(alias="organization.name", description="Nome dell'ente.")
    roles: list[Role] = Field(description="Ruoli nell'ente (codici stabili).")
    role_labels: list[str] = Field(description="Ruoli, in parole.")
    unit_id: int | None = Field(description="Unità organizzativa dell'ente, se indicata.")
    unit: str | None = Field(description="Nome dell'unità organizzativa.")
    job_title: str = Field(description="Qualifica (può essere vuota).")
    valid_from: date = Field(description="Inizio della validità.")
    valid_until: date | None = Field(description="Fine della validità; vuota se senza scadenza.")
    is_active: bool = Field(description="Falso se l'appartenenza è stata disattivata.")
    status: MembershipStatus = Field(
        description="Stato oggi: current (attiva), inactive (disattivata), expired (scaduta), "
        "upcoming (non ancora iniziata)."
    )
    password_change_pending: bool = Field(
        alias="user.must_change_password",
        description="Vero finché l'operatore non ha sostituito la password temporanea.",
    )

    @staticmethod
    def resolve_fiscal_code(obj: Membership, context: dict[str, Any]) -> str | None:
        actor = actor_of(context["request"])
        return obj.user.fiscal_code if actor.has(Permission.MEMBERSHIP_MANAGE) else None

    @staticmethod
    def resolve_role_labels(obj: Membership) -> list[str]:
        return obj.role_labels()

    @staticmethod
    def resolve_unit(obj: Membership) -> str | None:
        return obj.unit.name if obj.unit is not None else None

    @staticmethod
    def resolve_status(obj: Membership) -> MembershipStatus:
        return obj.status()


class StaffCreatedOut(StaffOut):
    temporary_password: str = Field(
        description="Password temporanea, restituita solo in questa risposta (Integra ne "
        "conserva l'impronta): l'operatore la sostituisce al primo accesso."
    )


class StaffCreateIn(Schema):
    username: str = Field(max_length=150, description="Nome utente, unico (anche per maiuscole).")
    first_name: str = Field(max_length=150, description="Nome.")
    last_name: str = Field(max_length=150, description="Cognome.")
    email: str = Field("", max_length=254, description="Email (facoltativa).")
    fiscal_code: str = Field(
        "", max_length=20, description="Codice fiscale (facoltativo): 16 lettere e cifre."
    )
    roles: list[Role] = Field(description="Ruoli nell'ente, almeno uno.")
    unit_id: int | None = Field(None, description="Unità organizzativa dell'ente.")
    job_title: str = Field("", max_length=120, description="Qualifica.")
    valid_from: date | None = Field(None, description="Inizio della validità; predefinito oggi.")
    valid_until: date | None = Field(None, description="Fine della validità (facoltativa).")
    organization_id: int | None = Field(
        None,
        description="Ente; predefinito quello con cui si opera. Un altro ente solo per "
        "l'amministratore di sistema.",
    )


class StaffPatchIn(Schema):
    """Only the fields sent change."""

    roles: list[Role] | None = Field(
        None, description="Nuovi ruoli (sostituiscono i precedenti), almeno uno."
    )
    job_title: str | None = Field(None, max_length=120, description="Qualifica.")
    unit_id: int | None = Field(None, description="Unità organizzativa; null per nessuna.")
    is_active: bool | None = Field(None, description="Falso per disattivare l'appartenenza.")
    valid_from: date | None = Field(None, description="Inizio della validità.")
    valid_until: date | None = Field(None, description="Fine della validità; null per nessuna.")

    @field_validator("roles", "job_title", "is_active", "valid_from", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        # null means "none" only for the unit and the end of validity; elsewhere it is a mistake.
        if value is None:
            raise ValueError(_("Non può essere null: ometti il campo per lasciarlo com'è."))
        return value


@router.get(
    "",
    response=list[StaffOut],
    summary="Gli operatori di un ente",
    description="Le appartenenze dell'ente con cui si opera (l'amministratore di sistema può "
    "sceglierne un altro), per cognome. Serve il permesso staff.view. La consultazione è "
    "registrata nel registro degli accessi.",
)
@paginate(LimitOffset)
def staff_list_endpoint(request: HttpRequest, filters: Query[StaffQuery]) -> object:
    actor = actor_of(request)
    organization = staff_organization(actor=actor, organization_id=filters.organization_id)
    staff_filters = StaffFilters(
        role=filters.role.value if filters.role else "", active=filters.active
    )
    staff_list_access_record(
        actor=actor, organization=organization, filters=staff_filters, via="api"
    )
    return staff_list(actor=actor, organization_id=organization.pk, filters=staff_filters)


@router.get(
    "/{membership_id}",
    response=StaffOut,
    summary="Un'appartenenza",
    description="L'appartenenza di un operatore a un ente. Quella di un altro ente risponde "
    "404 come una inesistente.",
)
def staff_get(request: HttpRequest, membership_id: int) -> Membership:
    return staff_detail(actor=actor_of(request), membership_id=membership_id)


@router.post(
    "",
    response={201: StaffCreatedOut},
    summary="Crea un operatore e la sua appartenenza all'ente",
    description="Serve il permesso membership.manage. Solo l'amministratore di sistema "
    "assegna il ruolo system_admin (altrimenti 403); i ruoli sanitari (medico, infermiere) solo "
    "negli enti sanitari (422 health_role_not_allowed). La risposta contiene, una sola volta, la "
    "password temporanea. Dati non validi: 422 con un elemento per campo; nulla viene salvato.",
)
def staff_create(request: HttpRequest, payload: StaffCreateIn) -> Any:
    data = payload.dict()
    data["roles"] = [role.value for role in payload.roles]
    membership, password = operator_create(actor=actor_of(request), **data)
    membership.temporary_password = password  # type: ignore[attr-defined]
    return Status(201, membership)


@router.patch(
    "/{membership_id}",
    response=StaffOut,
    summary="Modifica un'appartenenza",
    description="Cambia solo i campi inviati. Serve il permesso membership.manage; "
    "l'appartenenza di un altro ente risponde 404. Nessuno cambia i propri ruoli, le date di "
    "validità o lo stato della propria appartenenza (403 own_membership); i ruoli sanitari "
    "(medico, infermiere) solo negli enti sanitari (422 health_role_not_allowed).",
)
def staff_update(request: HttpRequest, membership_id: int, payload: StaffPatchIn) -> Any:
    changes = payload.dict(exclude_unset=True)
    if payload.roles is not None:
        changes["roles"] = [role.value for role in payload.roles]
    return membership_update(actor=actor_of(request), membership_id=membership_id, **changes)
