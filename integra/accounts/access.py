"""Who may see memberships and API tokens, and which organisations may give health roles."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet

from integra.accounts.models import ApiToken, Membership
from integra.core.access import Actor, register_scope
from integra.core.permissions import HEALTH_ROLES, Permission, Role
from integra.organizations.models import HEALTH_SIDE_KINDS, Organization, OrganizationKind

# The health side of the integration, and general practitioners and paediatricians.
DEFAULT_HEALTH_CARE_KINDS: frozenset[str] = frozenset(
    str(kind) for kind in HEALTH_SIDE_KINDS | {OrganizationKind.GENERAL_PRACTICE}
)


@register_scope(Membership)
def membership_scope(actor: Actor, qs: QuerySet[Any]) -> QuerySet[Any]:
    """Operators see the staff of their own organisation; a system admin sees everyone."""
    if actor.has(Permission.SYSTEM_ADMIN):
        return qs
    if actor.has(Permission.STAFF_VIEW):
        return qs.filter(organization_id=actor.organization_id)
    return qs.filter(user_id=actor.user.pk)


@register_scope(ApiToken)
def api_token_scope(actor: Actor, qs: QuerySet[Any]) -> QuerySet[Any]:
    """A token is visible to its owner only."""
    return qs.filter(user_id=actor.user.pk)


def membership_manageable_by(actor: Actor, membership: Membership) -> bool:
    """Whether ``actor`` may change ``membership`` through the staff screens and API.

    The membership must be visible (``membership_scope``) and the actor must manage staff. A
    system admin manages every organisation; anyone else only their own. The membership of a
    system admin is changed only by a system admin, so an organisation cannot lock one out.
    """
    if not actor.has(Permission.MEMBERSHIP_MANAGE):
        return False
    if actor.has(Permission.SYSTEM_ADMIN):
        return True
    return membership.organization_id == actor.organization_id and (
        Role.SYSTEM_ADMIN not in membership.roles
    )


def health_care_kinds() -> frozenset[str]:
    """The kinds of organisation that provide health care: ``INTEGRA_HEALTH_CARE_KINDS`` in the
    settings (a region whose accredited third-sector providers keep health records adds
    ``third_sector``), else :data:`DEFAULT_HEALTH_CARE_KINDS`."""
    configured = getattr(settings, "INTEGRA_HEALTH_CARE_KINDS", None)
    if configured is None:
        return DEFAULT_HEALTH_CARE_KINDS
    kinds = frozenset(str(kind) for kind in configured)
    unknown = kinds - set(OrganizationKind.values)
    if unknown:
        raise ImproperlyConfigured(
            f"INTEGRA_HEALTH_CARE_KINDS names unknown kinds: {', '.join(sorted(unknown))}"
        )
    return kinds


def may_hold_health_roles(organization: Organization) -> bool:
    return organization.kind in health_care_kinds()


def health_roles_in(roles: list[str]) -> list[str]:
    """The roles of ``roles`` that carry a health permission (doctor, nurse…), in order."""
    health = {str(role) for role in HEALTH_ROLES}
    return [role for role in roles if role in health]
