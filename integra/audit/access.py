"""Who may read the access log: auditors (``Permission.AUDIT_VIEW``) see the accesses made by
operators acting for their organisation and the accesses to records their organisation holds.
Nobody else reads it through the application: the log itself is personal data (who looked at
whom), so a system administrator checks its integrity (``audit_verify``) but not its rows."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from integra.audit.models import AccessLog
from integra.core.access import Actor, register_scope
from integra.core.permissions import Permission


@register_scope(AccessLog)
def access_log_scope(actor: Actor, qs: QuerySet[Any]) -> QuerySet[Any]:
    if not actor.has(Permission.AUDIT_VIEW):
        return qs.none()
    org_id = actor.organization_id
    return qs.filter(Q(organization_id=org_id) | Q(subject_organization_id=org_id))
