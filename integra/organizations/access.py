"""The service catalogue and the list of organisations are public to every operator: they are
the directory the integration runs on. They are registered so that every read goes through the
policy; staff-only fields are filtered by the selectors."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from integra.core.access import Actor, register_scope
from integra.core.permissions import Permission
from integra.organizations.models import Organization, Service, Unit


@register_scope(Organization)
def organization_scope(actor: Actor, qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs if actor.has(Permission.CATALOGUE_VIEW) else qs.none()


@register_scope(Unit)
def unit_scope(actor: Actor, qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs if actor.has(Permission.CATALOGUE_VIEW) else qs.none()


@register_scope(Service)
def service_scope(actor: Actor, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Active services for everyone; inactive ones only for the provider's own staff."""
    if not actor.has(Permission.CATALOGUE_VIEW):
        return qs.none()
    if actor.has(Permission.SYSTEM_ADMIN):
        return qs
    from django.db.models import Q

    return qs.filter(Q(is_active=True) | Q(provider_id=actor.organization_id))
