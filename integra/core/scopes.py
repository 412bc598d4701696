"""Access scopes of the territory.

Regions, health authorities, Distretti, Ambiti and Comuni are public reference data (ISTAT lists
and regional acts): every operator holding ``Permission.TERRITORY_VIEW`` sees all of them. They
are registered anyway so that every read goes through the one access policy.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from integra.core.access import Actor, register_scope
from integra.core.models import Ambito, District, HealthAuthority, Municipality, Region
from integra.core.permissions import Permission


def _territory_scope(actor: Actor, qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs if actor.has(Permission.TERRITORY_VIEW) else qs.none()


for _model in (Region, HealthAuthority, District, Ambito, Municipality):
    register_scope(_model)(_territory_scope)
