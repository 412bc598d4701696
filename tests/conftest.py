from __future__ import annotations

from collections.abc import Callable

import pytest

from integra.accounts.models import Membership
from integra.core.access import Actor
from integra.core.permissions import Role
from integra.organizations.models import Organization, OrganizationKind
from tests.db_roles import django_db_modify_db_settings, django_db_setup  # noqa: F401
from tests.factories import MembershipFactory, OrganizationFactory


@pytest.fixture
def org_a(db) -> Organization:
    return OrganizationFactory(
        name="Comune di Alfa", code="comune-alfa", kind=OrganizationKind.MUNICIPALITY
    )


@pytest.fixture
def org_b(db) -> Organization:
    return OrganizationFactory(
        name="ASST Beta", code="asst-beta", kind=OrganizationKind.HEALTH_AUTHORITY
    )


@pytest.fixture
def make_membership(db) -> Callable[..., Membership]:
    def make(organization: Organization, *roles: Role, **kwargs) -> Membership:
        return MembershipFactory(
            organization=organization, roles=list(roles or [Role.SOCIAL_WORKER]), **kwargs
        )

    return make


@pytest.fixture
def make_actor(make_membership) -> Callable[..., Actor]:
    def make(organization: Organization, *roles: Role) -> Actor:
        membership = make_membership(organization, *roles)
        return Actor.for_membership(membership.user, membership)

    return make


@pytest.fixture(autouse=True)
def _person_gate_template_guard():
    """Fail any test whose pages received a person that did not pass the people gate
    (tests/person_gate_guard.py)."""
    from django.test.signals import template_rendered

    from tests.person_gate_guard import TemplateGuard

    guard = TemplateGuard()
    template_rendered.connect(guard)
    try:
        yield guard
    finally:
        template_rendered.disconnect(guard)
    guard.check_loaded()
    assert not guard.violations, "Persons outside the people gate:\n" + "\n".join(
        sorted(set(guard.violations))
    )
