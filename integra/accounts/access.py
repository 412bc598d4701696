"""Who may see memberships and API tokens."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from integra.accounts.models import ApiToken, Membership
from integra.core.access import Actor, register_scope
from integra.core.permissions import Permission, Role


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
