"""Consent attacks (finding 2 of issue 9) and the writes of an operator on a person seen only in
the limited form.

- Granting the sharing consent on a person one sees only as "known, contact X" turned the
  limited view into the full record: refused (403/404), nothing written, still limited.
- A ``withdrawn`` recorded by an organisation that has nothing to do with the person locked the
  registering organisation's partners out: refused, the consent stays in force.
- The consent history (who recorded what, the evidence) of a limited person: not shown.
- Every other write naming a limited person (edit, documents, household, ISEE, assessments,
  evidence, screening, UVM): refused, nothing written, nothing of the person echoed.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils import timezone

from integra.core.permissions import Permission, Role
from integra.people.access import current_consent
from integra.people.models import Consent, ConsentPurpose
from tests.security.surface import (
    API_FIELD_IDS,
    API_PATH_IDS,
    LIMITED_FOR_PUA,
    UNSAFE,
    Public,
    api_operations,
    api_request,
    changed_tables,
    db_fingerprint,
    found_canaries,
    response_text,
)
from tests.security.world import Absent, World

GIVE = {
    "purpose": "sharing",
    "status": "given",
    "evidence_note": "Dichiara il consenso a voce",
}
# Who sees P_b (registered by B, no sharing consent) only in the limited form, and may edit
# persons: A's PUA (the registry), A's operators (P_b is in A's charge as a UVM member), D's PUA.
LIMITED_EDITORS = [
    ("a", Role.PUA_OPERATOR),
    ("a", Role.SOCIAL_WORKER),
    ("a", Role.NURSE),
    ("a", Role.DOCTOR),
    ("a", Role.CASE_MANAGER),
    ("d", Role.PUA_OPERATOR),
]
IDS = [f"{org}:{role.value}" for org, role in LIMITED_EDITORS]


def _body(**extra: Any) -> dict[str, Any]:
    return {**GIVE, "decided_on": timezone.localdate().isoformat(), **extra}


def _limited(member, person_id: int) -> bool:
    response = member.api().get(f"/api/v1/persons/{person_id}")
    return response.status_code == 404 or response.json().get("limited") is True


@pytest.mark.parametrize(("org", "role"), LIMITED_EDITORS, ids=IDS)
def test_the_limited_view_cannot_grant_itself_the_sharing_consent(
    world: World, org: str, role: Role
) -> None:
    member = world.member(org, role)
    person = world.bundles["b"].person
    assert _limited(member, person.pk)  # the premise: P_b is not shared with this operator
    before = world.fingerprint
    api = member.api().post(
        f"/api/v1/persons/{person.pk}/consents", _body(), content_type="application/json"
    )
    page = member.browser().post(f"/persone/{person.pk}/consensi/", _body())
    written = changed_tables(before, db_fingerprint())
    assert api.status_code in (403, 404), f"{api.content[:300]!r}, wrote {written}"
    assert page.status_code in (403, 404), f"page: {page.status_code}, wrote {written}"
    assert written == []
    assert _limited(member, person.pk)
    assert current_consent(person_id=person.pk, purpose=ConsentPurpose.SHARING) is None


@pytest.mark.parametrize(("org", "role"), LIMITED_EDITORS, ids=IDS)
def test_a_limited_person_shows_no_consent_history(world: World, org: str, role: Role) -> None:
    member = world.member(org, role)
    person = world.bundles["b"].person
    canaries = world.canaries["b"].all()
    api = member.api().get(f"/api/v1/persons/{person.pk}/consents")
    page = member.browser().get(f"/persone/{person.pk}/consensi/")
    for response in (api, page):
        text = response_text(response)
        assert not found_canaries(text, canaries), text[:400]
    assert api.status_code in (403, 404), api.content[:300]
    assert page.status_code in (403, 404), page.status_code


# An organisation with no relation to P_a (registered by A, sharing consent given at A): D's
# PUA, in another territory, reads P_a's content only because the consent is in force.
@pytest.mark.parametrize("via", ["api", "page"])
def test_an_unrelated_organisation_cannot_withdraw_the_consent(world: World, via: str) -> None:
    person = world.bundles["a"].person
    outsider = world.member("d", Role.PUA_OPERATOR)
    partner = world.member("b", Role.PUA_OPERATOR)  # B works A's PUA: it sees P_a by consent
    before = world.fingerprint
    body = _body(status="withdrawn", evidence_note="Telefonata anonima")
    if via == "api":
        response = outsider.api().post(
            f"/api/v1/persons/{person.pk}/consents", body, content_type="application/json"
        )
    else:
        response = outsider.browser().post(f"/persone/{person.pk}/consensi/", body)
    written = changed_tables(before, db_fingerprint())
    detail = f"{response.status_code} {response.get('Location', '')} wrote {written}"
    assert response.status_code in (403, 404), detail
    assert written == [], detail
    consent = current_consent(person_id=person.pk, purpose=ConsentPurpose.SHARING)
    assert consent is not None and consent.is_in_force()
    assert partner.api().get(f"/api/v1/persons/{person.pk}").json().get("limited") is not True


# --- every write naming a limited person ----------------------------------------------------


def _names_a_person(op) -> bool:
    entries = [API_PATH_IDS[(op.path, p)] for p in op.path_params]
    entries += [
        API_FIELD_IDS[(op.method, op.path, f)]
        for f in op.body_fields
        if (op.method, op.path, f) in API_FIELD_IDS
    ]
    return "person" in [e for e in entries if not isinstance(e, Public)]


PERSON_WRITES = [
    op
    for op in api_operations()
    if op.method in UNSAFE and _names_a_person(op) and op.key not in LIMITED_FOR_PUA
]


@pytest.mark.parametrize("op", PERSON_WRITES, ids=[str(op) for op in PERSON_WRITES])
def test_no_write_on_a_person_seen_limited(world: World, op) -> None:
    """A's PUA operator (every permission of the PUA, P_b seen limited) sends each write naming
    P_b — and the objects of P_b's record — with a valid body: refused, nothing written, nothing
    of P_b in the answer."""
    member = world.member("a", Role.PUA_OPERATOR)
    assert member.actor().has(Permission.PERSON_EDIT)
    try:
        request = api_request(op, world, world.bundles["b"])
    except Absent:
        pytest.fail(f"P_b's bundle lacks an object {op} names")
    before = world.fingerprint
    response = request.send(member.api())
    leaked = found_canaries(response_text(response), world.canaries["b"].all())
    detail = f"{request} -> {response.status_code} {response.content[:300]!r}"
    assert not leaked, f"{detail} shows {leaked}"
    assert response.status_code in (403, 404), detail
    assert changed_tables(before, db_fingerprint()) == [], detail


def test_the_writes_on_a_limited_person_are_enumerated() -> None:
    """The list above comes from the OpenAPI document: every write naming a person."""
    paths = {op.path for op in PERSON_WRITES}
    assert "/api/v1/persons/{person_id}/consents" in paths
    assert "/api/v1/measures/evidence" in paths
    assert len(PERSON_WRITES) >= 8, json.dumps([str(op) for op in PERSON_WRITES])


def test_p_b_has_consented_to_care_not_to_sharing(world: World) -> None:
    """The premise of the tests above."""
    rows = Consent.objects.filter(person=world.bundles["b"].person)
    assert [(c.purpose, c.status) for c in rows] == [(ConsentPurpose.TAKING_IN_CHARGE, "given")]
