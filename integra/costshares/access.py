"""Who may read and write cost-share configuration.

LEA rules, the settings of catalogue services and the co-payment regulations are regional and
municipal configuration, not personal data: every operator who consults the catalogue
(``CATALOGUE_VIEW``) reads them all. A regulation is written by the planning coordinator of its
own organisation (``PLANNING_COORDINATE``) or by a system administrator; another
organisation's regulation is, for writing, not found (``manageable_regulations``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from integra.core.access import Actor, register_scope
from integra.core.permissions import Permission
from integra.costshares.models import (
    CareSetting,
    CopaymentRegulation,
    LeaCostRule,
    ServiceCostProfile,
)

WRITE_PERMISSIONS = (Permission.PLANNING_COORDINATE, Permission.SYSTEM_ADMIN)


def _catalogue_readers(actor: Actor, qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs if actor.has(Permission.CATALOGUE_VIEW) else qs.none()


register_scope(CareSetting)(_catalogue_readers)
register_scope(LeaCostRule)(_catalogue_readers)
register_scope(ServiceCostProfile)(_catalogue_readers)
register_scope(CopaymentRegulation)(_catalogue_readers)


def may_write_regulations(actor: Actor | None) -> bool:
    return actor is not None and any(actor.has(p) for p in WRITE_PERMISSIONS)


def writable_regulations(actor: Actor, qs: QuerySet[Any]) -> QuerySet[Any]:
    """The regulations ``actor`` may change: all for a system administrator, else its own
    organisation's (an empty set without a write permission)."""
    if actor.has(Permission.SYSTEM_ADMIN):
        return qs
    if actor.has(Permission.PLANNING_COORDINATE) and actor.organization_id is not None:
        return qs.filter(organization_id=actor.organization_id)
    return qs.none()


def may_write_for_organization(actor: Actor, organization_id: int) -> bool:
    if actor.has(Permission.SYSTEM_ADMIN):
        return True
    return actor.has(Permission.PLANNING_COORDINATE) and actor.organization_id == organization_id
