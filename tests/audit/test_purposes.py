"""The purpose of every read (integra/audit/purposes.py): the part of the service a request was
made in, unless the code that logs the read names a more exact one; stored, hashed, verified."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver

from integra import urls as project_urls
from integra.accounts.services import api_token_create
from integra.api import routers
from integra.audit import purposes
from integra.audit.models import AccessAction, AccessLog
from integra.audit.purposes import purpose_for_path
from integra.audit.selectors import audit_verify
from integra.audit.services import access_log_buffered, access_log_record
from integra.core.permissions import Role
from tests.audit.test_integrity import verify_command
from tests.people.factories import CareRelationshipFactory, PersonFactory

# Addresses that are no part of the service: nothing there reads protected data.
NO_PURPOSE = {"healthz", "favicon.ico", "i18n/", "jsi18n/", "admin/", "api/v1/"}


@pytest.mark.parametrize(
    ("path", "purpose"),
    [
        ("/pua/richieste/3/", purposes.PUA_PURPOSE),
        ("/api/v1/pua/requests/3", purposes.PUA_PURPOSE),
        ("/valutazioni/uvm/7/", purposes.UVM_PURPOSE),
        ("/api/v1/uvm-sessions/7", purposes.UVM_PURPOSE),
        ("/valutazioni/persone/4/", purposes.ASSESSMENT_PURPOSE),
        ("/persone/4/", purposes.CARE_PURPOSE),
        ("/api/v1/persons/4", purposes.CARE_PURPOSE),
        ("/misure/", purposes.MEASURE_PURPOSE),
        ("/audit/accessi/", purposes.AUDIT_PURPOSE),
        ("/audit/accessi-anomali/", purposes.AUDIT_PURPOSE),
        ("/account/operatori/", purposes.STAFF_PURPOSE),
        ("/", purposes.DESK_PURPOSE),
        ("/admin/", ""),
    ],
)
def test_purpose_for_path(path: str, purpose: str) -> None:
    assert purpose_for_path(path) == purpose


def test_every_part_of_the_service_has_a_purpose() -> None:
    """A new app mounted in integra/urls.py or under /api/v1 fails here until its purpose is
    declared in PURPOSE_BY_PATH."""
    for pattern in project_urls.urlpatterns:
        assert isinstance(pattern, URLPattern | URLResolver)
        prefix = str(pattern.pattern)
        if prefix in NO_PURPOSE:
            continue
        assert purpose_for_path("/" + prefix), prefix
    for prefix, router in routers.ROUTERS:
        for path in router.path_operations:
            address = f"/api/v1{prefix}{path}"
            assert purpose_for_path(address), address


@pytest.mark.django_db
def test_an_explicit_purpose_wins_over_the_default(org_a, make_actor) -> None:
    actor = make_actor(org_a, Role.PUA_OPERATOR)
    subject = ("policy_app.casenote", "1", "Nota 1")
    with access_log_buffered(purpose=purposes.CARE_PURPOSE):
        access_log_record(actor=actor, subject=subject)
        access_log_record(actor=actor, subject=subject, purpose="richiesta PUA")
    access_log_record(actor=actor, subject=subject)  # outside a request: none
    assert list(AccessLog.objects.order_by("pk").values_list("purpose", flat=True)) == [
        purposes.CARE_PURPOSE,
        "richiesta PUA",
        "",
    ]


@pytest.mark.django_db
def test_reads_through_pages_and_api_carry_their_purpose_and_verify(
    client: Client, org_a, make_membership
) -> None:
    worker = make_membership(org_a, Role.SOCIAL_WORKER)
    person = PersonFactory(registered_by=org_a)
    CareRelationshipFactory(person=person, organization=org_a)
    client.force_login(worker.user)
    assert client.get(f"/persone/{person.pk}/").status_code == 200
    _token, raw = api_token_create(
        user=worker.user, membership=worker, name="t", second_factor_verified=True
    )
    api = client.get(f"/api/v1/persons/{person.pk}", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.status_code == 200
    auditor = make_membership(org_a, Role.AUDITOR)
    client.force_login(auditor.user)
    assert client.get("/audit/accessi/").status_code == 200
    reads = AccessLog.objects.filter(person_id=person.pk, action=AccessAction.VIEW)
    assert sorted(set(reads.values_list("purpose", flat=True))) == [purposes.CARE_PURPOSE]
    assert reads.count() >= 2
    listing = AccessLog.objects.get(subject_type="audit.accesslog", action=AccessAction.LIST)
    assert listing.purpose == purposes.AUDIT_PURPOSE
    # The purpose is in the hashed payload of every row: the chains verify, and the command.
    assert audit_verify().ok
    code, out, err = verify_command()
    assert code == 0, out + err
