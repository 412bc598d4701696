"""Factories shared by every app's tests."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from integra.accounts.models import Membership, User
from integra.core.models import Ambito, District, HealthAuthority, Municipality, Region
from integra.core.permissions import Role
from integra.organizations.models import Organization, OrganizationKind, Service, ServiceArea

PASSWORD = "Password-di-prova-1"


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("istat_code",)

    istat_code = "03"
    name = "Lombardia"


class HealthAuthorityFactory(DjangoModelFactory):
    class Meta:
        model = HealthAuthority

    kind = "asst"
    code = factory.Sequence(lambda n: f"ASST{n:03d}")
    name = factory.Sequence(lambda n: f"ASST di prova {n}")
    region = factory.SubFactory(RegionFactory)


class DistrictFactory(DjangoModelFactory):
    class Meta:
        model = District

    code = factory.Sequence(lambda n: f"D{n:04d}")
    name = factory.Sequence(lambda n: f"Distretto {n}")
    health_authority = factory.SubFactory(HealthAuthorityFactory)


class AmbitoFactory(DjangoModelFactory):
    class Meta:
        model = Ambito

    code = factory.Sequence(lambda n: f"A{n:04d}")
    name = factory.Sequence(lambda n: f"Ambito {n}")
    region = factory.SubFactory(RegionFactory)


class MunicipalityFactory(DjangoModelFactory):
    class Meta:
        model = Municipality

    istat_code = factory.Sequence(lambda n: f"{900000 + n:06d}")
    belfiore_code = factory.Sequence(lambda n: f"Y{n % 1000:03d}")
    name = factory.Sequence(lambda n: f"Comune {n}")
    province_code = "MI"
    province_name = "Milano"
    region = factory.SubFactory(RegionFactory)
    population = 10000


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    kind = OrganizationKind.MUNICIPALITY
    name = factory.Sequence(lambda n: f"Ente {n}")
    code = factory.Sequence(lambda n: f"ente-{n}")


class ServiceFactory(DjangoModelFactory):
    class Meta:
        model = Service

    code = factory.Sequence(lambda n: f"SRV-{n:05d}")
    name = factory.Sequence(lambda n: f"Servizio {n}")
    area = ServiceArea.ELDERLY
    provider = factory.SubFactory(OrganizationFactory)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"operatore{n}")
    first_name = "Maria"
    last_name = factory.Sequence(lambda n: f"Rossi{n}")
    password = factory.django.Password(PASSWORD)


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    roles = factory.LazyFunction(lambda: [Role.SOCIAL_WORKER])
