from __future__ import annotations

import pytest
from django.test import Client

from integra.accounts.models import Membership
from integra.core.permissions import Role


@pytest.fixture
def social_worker(org_a, make_membership) -> Membership:
    return make_membership(org_a, Role.SOCIAL_WORKER)


@pytest.fixture
def org_admin(org_a, make_membership) -> Membership:
    return make_membership(org_a, Role.ORG_ADMIN)


@pytest.fixture
def logged_in(client: Client):
    """Log a membership's operator in (no password round trip: django-axes is not involved)."""

    def login(membership: Membership) -> Client:
        client.force_login(membership.user)
        return client

    return login
