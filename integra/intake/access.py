"""Who may see the PUA's requests.

A request is visible to the PUA operators (``Permission.INTAKE_MANAGE``) of the organisation
that runs its PUA or of a partner organisation running it jointly (Comune and ASL, L. 234/2021
c.163), and to the operators (``Permission.PERSON_VIEW``) of the organisation it was sent to
(the service provider, the UVM, the organisation it was forwarded to). Everyone else sees
nothing, and a hidden request answers 404 like a missing one. The PUAs themselves are a public
directory, like the service catalogue.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from integra.core.access import Actor, register_scope
from integra.core.permissions import Permission
from integra.intake.models import IntakeAttachment, IntakeRequest, IntakeTransition, PuaPoint
from integra.people.access import register_concealable, without_concealed
from integra.people.models import ConcealedKind


def managed_pua_ids(actor: Actor) -> QuerySet[PuaPoint, Any]:
    """The PUAs whose requests the actor works (a subquery: ``values("pk")``)."""
    if not actor.has(Permission.INTAKE_MANAGE) or actor.organization_id is None:
        return PuaPoint.objects.none().values("pk")
    org = actor.organization_id
    return PuaPoint.objects.filter(Q(organization_id=org) | Q(partners=org)).values("pk")


def visible_requests_filter(actor: Actor) -> Q:
    condition = Q(pk__in=[])
    if actor.has(Permission.INTAKE_MANAGE):
        condition |= Q(pua_id__in=managed_pua_ids(actor))
    if actor.has(Permission.PERSON_VIEW) and actor.organization_id is not None:
        condition |= Q(sent_to_organization_id=actor.organization_id)
    return condition


@register_scope(PuaPoint)
def pua_point_scope(actor: Actor, qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs if actor.has(Permission.CATALOGUE_VIEW) else qs.none()


# The person may hide a request (an episode) from everyone but the organisation that recorded it.
register_concealable(
    ConcealedKind.INTAKE_REQUEST, IntakeRequest, author="created_by__organization_id"
)


@register_scope(IntakeRequest)
def intake_request_scope(actor: Actor, qs: QuerySet[Any]) -> QuerySet[Any]:
    return without_concealed(
        actor, qs.filter(visible_requests_filter(actor)), ConcealedKind.INTAKE_REQUEST
    )


def _follows_request(actor: Actor, qs: QuerySet[Any]) -> QuerySet[Any]:
    visible = intake_request_scope(actor, IntakeRequest.objects.all()).values("pk")
    return qs.filter(request_id__in=visible)


register_scope(IntakeTransition)(_follows_request)
register_scope(IntakeAttachment)(_follows_request)


def may_manage(actor: Actor, request: IntakeRequest) -> bool:
    """Whether the actor works the request at its PUA (may move it, triage it, attach files)."""
    if not actor.has(Permission.INTAKE_MANAGE) or actor.organization_id is None:
        return False
    pua = request.pua
    if pua.organization_id == actor.organization_id:
        return True
    return pua.partners.filter(pk=actor.organization_id).exists()
