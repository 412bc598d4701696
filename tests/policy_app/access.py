from django.db.models import QuerySet

from integra.core.access import Actor, register_scope
from integra.core.permissions import Permission
from tests.policy_app.models import CaseNote


@register_scope(CaseNote)
def case_note_scope(actor: Actor, qs: QuerySet) -> QuerySet:
    """Visible to care roles of the holding organisation only."""
    if not actor.has(Permission.PERSON_VIEW):
        return qs.none()
    return qs.filter(organization_id=actor.organization_id)
