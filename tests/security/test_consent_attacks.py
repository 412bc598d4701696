"""Consent attacks (finding 2 of issue 9) and the writes of an operator on a person seen only in
the limited form.

The rule (issue 9, deliver 3): a decision is recorded only by an organisation that already sees
the content, or at the PUA with the person (or guardian) present — with evidence (the signed
form, or a declaration of presence); the registering organisation is notified; a decision
recorded by anyone else is refused (403/404 as for any object).

- Granting the sharing consent on a person one sees only as "known, contact X" turned the
  limited view into the full record: refused (403/404), nothing written, still limited, for
  every operator who is not the PUA — through the API (declaration or signed form) and the
  pages.
- The PUA, with the person present, may record it (any territory's PUA: the person may walk in
  anywhere): only with evidence, and the registering organisation gets a notice that does not
  name the person.
- A ``withdrawn`` recorded by an organisation that has nothing to do with the person locked the
  registering organisation's partners out: refused, the consent stays in force.
- The consent history (who recorded what, the evidence) of a limited person: not shown.
- Every other write naming a limited person (edit, documents, household, ISEE, oscuramento,
  assessments, evidence, screening, UVM): refused, nothing written, nothing of the person
  echoed.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from integra.core.permissions import Permission, Role
from integra.notices.models import Notice, NoticeKind
from integra.people.access import current_consent
from integra.people.models import Consent, ConsentEvidence, ConsentPurpose
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
from tests.security.world import PDF_BYTES, Absent, World

GIVE = {
    "purpose": "sharing",
    "status": "given",
    "evidence_note": "Dichiara il consenso a voce",
}
# The page's form also asks who decided and how the decision is documented.
PRESENT = {"decided_by": "person", "evidence_kind": "presence_declaration"}
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
# Of them, the PUA (INTAKE_MANAGE) records the decision of the person present; nobody else.
AT_THE_PUA = [(o, r) for o, r in LIMITED_EDITORS if r == Role.PUA_OPERATOR]
NOT_THE_PUA = [(o, r) for o, r in LIMITED_EDITORS if r != Role.PUA_OPERATOR]


def _body(**extra: Any) -> dict[str, Any]:
    return {**GIVE, "decided_on": timezone.localdate().isoformat(), **extra}


def _signed_form(name: str = "modulo.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def _limited(member, person_id: int) -> bool:
    response = member.api().get(f"/api/v1/persons/{person_id}")
    return response.status_code == 404 or response.json().get("limited") is True


def _notices(world: World, key: str) -> list[Notice]:
    return list(
        Notice.objects.filter(
            organization=world.orgs[key], kind=NoticeKind.CONSENT_RECORDED
        ).order_by("pk")
    )


@pytest.mark.parametrize(
    ("org", "role"), NOT_THE_PUA, ids=[f"{o}:{r.value}" for o, r in NOT_THE_PUA]
)
def test_the_limited_view_cannot_grant_itself_the_sharing_consent(
    world: World, org: str, role: Role
) -> None:
    """Every way to record a decision — the API with a declaration of presence or with the
    signed form, the consents tab, the PUA's form on the limited record — refused to an
    operator who sees the person limited and is not the PUA."""
    member = world.member(org, role)
    person = world.bundles["b"].person
    assert _limited(member, person.pk)  # the premise: P_b is not shared with this operator
    before = world.fingerprint
    url = f"/api/v1/persons/{person.pk}"
    answers = {
        "api": member.api().post(f"{url}/consents", _body(), content_type="application/json"),
        "api signed form": member.api().post(
            f"{url}/consents/signed-form", {**_body(), "file": _signed_form()}
        ),
        "page": member.browser().post(f"/persone/{person.pk}/consensi/", _body(**PRESENT)),
        "page at the PUA": member.browser().post(
            f"/persone/{person.pk}/consenso-al-pua/", _body(**PRESENT)
        ),
    }
    written = changed_tables(before, db_fingerprint())
    for via, answer in answers.items():
        assert answer.status_code in (403, 404), f"{via}: {answer.content[:300]!r}, {written}"
    assert written == []
    assert _limited(member, person.pk)
    assert current_consent(person_id=person.pk, purpose=ConsentPurpose.SHARING) is None


@pytest.mark.parametrize(("org", "role"), AT_THE_PUA, ids=[f"{o}:{r.value}" for o, r in AT_THE_PUA])
def test_the_pua_records_the_decision_of_the_person_present(
    world: World, org: str, role: Role
) -> None:
    """Deliver 3: "or at the PUA with the person (or guardian) present" — A's PUA, and D's in
    another territory (the person may walk in at any PUA). Without evidence: refused, nothing
    written. With the declaration of presence: recorded, and B (which registered P_b) gets a
    notice naming the person by number only; nothing of P_b comes back in the answer."""
    member = world.member(org, role)
    person = world.bundles["b"].person
    canaries = world.canaries["b"].all()
    assert _limited(member, person.pk)
    url = f"/api/v1/persons/{person.pk}/consents"
    before = world.fingerprint
    unproven = member.api().post(url, _body(evidence_note=""), content_type="application/json")
    no_scan = member.api().post(f"{url}/signed-form", _body())
    assert unproven.status_code == 422, unproven.content[:300]
    assert no_scan.status_code == 422, no_scan.content[:300]
    assert changed_tables(before, db_fingerprint()) == []

    response = member.api().post(url, _body(), content_type="application/json")
    assert response.status_code == 201, response.content[:300]
    assert not found_canaries(response_text(response), canaries)
    assert changed_tables(before, db_fingerprint()) == ["notices_notice", "people_consent"]
    consent = current_consent(person_id=person.pk, purpose=ConsentPurpose.SHARING)
    assert consent is not None and consent.is_in_force()
    assert consent.evidence_kind == ConsentEvidence.PRESENCE_DECLARATION
    assert consent.recorded_by_organization_id == world.orgs[org].pk
    [notice] = _notices(world, "b")
    assert notice.person_id == person.pk
    assert notice.from_organization_id == world.orgs[org].pk
    assert f"persona n. {person.pk}" in notice.text
    assert not found_canaries(notice.text, canaries), notice.text
    # The person's decision opens the record to every organisation that knows of them.
    assert not _limited(member, person.pk)


def test_the_pua_form_on_the_limited_record_records_with_evidence(world: World) -> None:
    """The page: the PUA's form on the limited record, with a signed form uploaded."""
    member = world.member("d", Role.PUA_OPERATOR)
    person = world.bundles["b"].person
    before = world.fingerprint
    page = member.browser().post(
        f"/persone/{person.pk}/consenso-al-pua/",
        _body(decided_by="person", evidence_kind="signed_form", file=_signed_form()),
    )
    assert page.status_code == 302, page.status_code
    assert changed_tables(before, db_fingerprint()) == ["notices_notice", "people_consent"]
    consent = current_consent(person_id=person.pk, purpose=ConsentPurpose.SHARING)
    assert consent is not None and consent.evidence_kind == ConsentEvidence.SIGNED_FORM
    assert consent.evidence_file
    assert len(_notices(world, "b")) == 1


@pytest.mark.parametrize(("org", "role"), LIMITED_EDITORS, ids=IDS)
def test_a_limited_person_shows_no_consent_history(world: World, org: str, role: Role) -> None:
    member = world.member(org, role)
    bundle = world.bundles["b"]
    person = bundle.person
    canaries = world.canaries["b"].all()
    api = member.api().get(f"/api/v1/persons/{person.pk}/consents")
    page = member.browser().get(f"/persone/{person.pk}/consensi/")
    # Nor the signed form of the decision B recorded.
    api_file = member.api().get(f"/api/v1/persons/{person.pk}/consents/{bundle.consent.pk}/file")
    page_file = member.browser().get(f"/persone/{person.pk}/consensi/{bundle.consent.pk}/modulo/")
    for response in (api, page, api_file, page_file):
        text = response_text(response)
        assert not found_canaries(text, canaries), text[:400]
        assert response.status_code in (403, 404), response.content[:300]


# Organisations with no relation to P_a (registered by A, sharing consent given at A) that are
# not a PUA: they do not know of P_a at all, so they may record nothing for P_a.
OUTSIDERS = [("d", Role.SOCIAL_WORKER), ("d", Role.CASE_MANAGER), ("c", Role.SOCIAL_WORKER)]


@pytest.mark.parametrize("via", ["api", "page"])
@pytest.mark.parametrize(("org", "role"), OUTSIDERS, ids=[f"{o}:{r.value}" for o, r in OUTSIDERS])
def test_an_unrelated_organisation_cannot_withdraw_the_consent(
    world: World, org: str, role: Role, via: str
) -> None:
    person = world.bundles["a"].person
    outsider = world.member(org, role)
    partner = world.member("b", Role.PUA_OPERATOR)  # B works A's PUA: it sees P_a by consent
    assert outsider.api().get(f"/api/v1/persons/{person.pk}").status_code == 404
    before = world.fingerprint
    body = _body(status="withdrawn", evidence_note="Telefonata anonima")
    if via == "api":
        response = outsider.api().post(
            f"/api/v1/persons/{person.pk}/consents", body, content_type="application/json"
        )
    else:
        response = outsider.browser().post(f"/persone/{person.pk}/consensi/", {**body, **PRESENT})
    written = changed_tables(before, db_fingerprint())
    detail = f"{response.status_code} {response.get('Location', '')} wrote {written}"
    assert response.status_code in (403, 404), detail
    assert written == [], detail
    consent = current_consent(person_id=person.pk, purpose=ConsentPurpose.SHARING)
    assert consent is not None and consent.is_in_force()
    assert partner.api().get(f"/api/v1/persons/{person.pk}").json().get("limited") is not True


def test_a_withdrawal_at_another_pua_is_the_persons_and_the_registering_body_is_told(
    world: World,
) -> None:
    """D's PUA (another territory) reads P_a because the consent is in force; the person, present
    at D's desk, withdraws it: recorded by the rule (a reader of the record, and the PUA with the
    person present), and A — which registered P_a — gets a notice."""
    person = world.bundles["a"].person
    member = world.member("d", Role.PUA_OPERATOR)
    partner = world.member("b", Role.PUA_OPERATOR)
    before = world.fingerprint
    response = member.api().post(
        f"/api/v1/persons/{person.pk}/consents",
        _body(status="withdrawn", evidence_note="La persona, presente, revoca il consenso."),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content[:300]
    assert changed_tables(before, db_fingerprint()) == ["notices_notice", "people_consent"]
    [notice] = _notices(world, "a")
    assert (notice.person_id, notice.from_organization_id) == (person.pk, world.orgs["d"].pk)
    consent = current_consent(person_id=person.pk, purpose=ConsentPurpose.SHARING)
    assert consent is not None and not consent.is_in_force()
    assert partner.api().get(f"/api/v1/persons/{person.pk}").json().get("limited") is True


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
    """The list above comes from the OpenAPI document: every write naming a person. The
    consent's two operations are the PUA's by design (LIMITED_FOR_PUA): the tests above refuse
    them to everyone else."""
    paths = {op.path for op in PERSON_WRITES}
    assert "/api/v1/persons/{person_id}/concealments" in paths
    assert "/api/v1/measures/evidence" in paths
    consents = {
        op.key for op in api_operations() if op.path.startswith("/api/v1/persons/{person_id}/cons")
    }
    assert {k for k in consents if k[0] == "POST"} <= LIMITED_FOR_PUA
    assert len(PERSON_WRITES) >= 8, json.dumps([str(op) for op in PERSON_WRITES])


def test_p_b_has_consented_to_care_not_to_sharing(world: World) -> None:
    """The premise of the tests above."""
    rows = Consent.objects.filter(person=world.bundles["b"].person)
    assert [(c.purpose, c.status) for c in rows] == [(ConsentPurpose.TAKING_IN_CHARGE, "given")]
