"""Writes of the organisations app: the catalogue of services.

A catalogue manager (``Permission.CATALOGUE_MANAGE``) creates and edits the services of the
organisation they act for, and only those: another organisation's service is "not found".
Invariants are checked by ``full_clean`` here, so UI and API give the same messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pghistory
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from integra.core.access import Actor, NotFound, require
from integra.core.models import Municipality
from integra.core.permissions import Permission
from integra.organizations.models import Organization, Service, Unit
from integra.organizations.selectors import manageable_services, service_for_edit

# Fields a catalogue manager sets; the provider is always the manager's own organisation.
SCALAR_FIELDS = frozenset(
    {
        "code",
        "name",
        "description",
        "area",
        "unit",
        "address",
        "municipality",
        "phone",
        "email",
        "website",
        "opening_hours",
        "access_notes",
        "is_active",
    }
)
EDITABLE_FIELDS = SCALAR_FIELDS | {"served_municipalities"}
_TEXT_FIELDS = frozenset(
    {"code", "name", "description", "address", "phone", "email", "website"}
    | {"opening_hours", "access_notes"}
)


def _check_fields(fields: Mapping[str, Any]) -> None:
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"Not editable service fields: {sorted(unknown)}")


def _assign(service: Service, fields: Mapping[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    for name, value in fields.items():
        if name not in SCALAR_FIELDS:
            continue
        if name in _TEXT_FIELDS:
            value = (value or "").strip()
            # PostgreSQL cannot store NUL: refuse it here, before any query uses the value.
            if "\x00" in value:
                errors[name] = [_("Il testo non può contenere il carattere nullo (NUL).")]
                continue
        setattr(service, name, value)
    if errors:
        raise ValidationError(errors)


def _validate(service: Service) -> None:
    errors: dict[str, list[str]] = {}
    try:
        service.full_clean(exclude=["code"] if not service.code else None)
    except ValidationError as exc:
        errors.update({k: [str(m) for m in v] for k, v in exc.message_dict.items()})
    unit: Unit | None = service.unit
    if unit is not None and unit.organization_id != service.provider_id:
        errors.setdefault("unit", []).append(
            _("L'unità scelta non appartiene all'ente erogatore del servizio.")
        )
    if errors:
        raise ValidationError(errors)


def _next_code(provider: Organization) -> str:
    """A free code like ``COMUNE-MELEGNANO-004`` (the prefix is the provider's code)."""
    prefix = provider.code.upper()[:34]
    number = Service.objects.filter(provider=provider).count() + 1
    while True:
        code = f"{prefix}-{number:03d}"
        if not Service.objects.filter(code=code).exists():
            return code
        number += 1


def _save(service: Service, served: list[Municipality] | None) -> None:
    try:
        with transaction.atomic():
            service.save()
    except IntegrityError as exc:
        # Two managers saving the same code at the same moment: the constraint decides.
        raise ValidationError({"code": [_("Esiste già un servizio con questo codice.")]}) from exc
    if served is not None:
        service.served_municipalities.set(served)


def service_create(*, actor: Actor | None, fields: Mapping[str, Any]) -> Service:
    """Add a service to the catalogue of the actor's organisation."""
    require(actor, Permission.CATALOGUE_MANAGE)
    assert actor is not None and actor.membership is not None
    _check_fields(fields)
    provider = actor.membership.organization
    served = list(fields["served_municipalities"]) if "served_municipalities" in fields else []
    with transaction.atomic(), pghistory.context(reason="service_create"):
        service = Service(provider=provider)
        _assign(service, fields)
        _validate(service)
        if not service.code:
            service.code = _next_code(provider)
        _save(service, served)
    return service


def service_update(*, actor: Actor | None, service_id: int, fields: Mapping[str, Any]) -> Service:
    """Change a service of the actor's organisation; only the keys given are changed."""
    _check_fields(fields)
    # 403 without the permission, 404 for a missing service or another organisation's one.
    service_for_edit(actor=actor, service_id=service_id)
    served = list(fields["served_municipalities"]) if "served_municipalities" in fields else None
    with transaction.atomic(), pghistory.context(reason="service_update"):
        service = manageable_services(actor=actor).select_for_update().filter(pk=service_id).first()
        if service is None:  # deleted or moved since the check above
            raise NotFound()
        _assign(service, fields)
        if "code" in fields and not service.code:
            raise ValidationError({"code": [_("Il codice non può essere vuoto.")]})
        _validate(service)
        _save(service, served)
    return service
