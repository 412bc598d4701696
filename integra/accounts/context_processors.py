from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from integra.accounts.selectors import memberships_current


def acting_membership(request: HttpRequest) -> dict[str, Any]:
    actor = getattr(request, "actor", None)
    if actor is None:
        return {"actor": None, "switchable_memberships": []}
    return {
        "actor": actor,
        "switchable_memberships": list(memberships_current(user=actor.user)),
    }
