"""Who may see memberships and API tokens."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from integra.accounts.models import ApiToken, Membership
from integra.core.access import Actor, register_scope
from integra.core.permissions import Permission


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
