"""The people gate is the only way a person reaches an API answer or a page (issue 9, deliver 1).

* API: a schema outside the registry's own (``integra.people``) may not carry a person's data
  (names, birth date and place, addresses, guardian, family doctor); a field that names a
  person (``person``, ``member``…) is the gate's ``PersonRefOut``. A new schema that serialises
  a person by itself fails here.
* Pages: tests/person_gate_guard.py, active in every test of the suite, fails a test whose page
  received a person outside the gate; the test below proves that guard catches one.
* Rows that name a person cannot be rendered without the gate: ``person_ref`` raises.
"""

from __future__ import annotations

import types
import typing
from typing import Any

import pytest
from ninja import Schema

from integra.api.api import api
from integra.people.gate import person_refs
from integra.people.models import PersonGateError
from integra.people.schemas import PersonRefOut
from tests.person_gate_guard import TemplateGuard, bare_persons

PERSON_DATA = {
    "family_names",
    "given_names",
    "birth_date",
    "birth_place_code",
    "birth_place_municipality_id",
    "residence_address",
    "domicile_address",
    "legal_guardian_name",
    "family_doctor_name",
}
NAMING_FIELDS = {"person", "member", "survivor", "merged", "subject_person"}


def _all_schemas() -> list[type[Schema]]:
    api.get_openapi_schema()  # every router imported and every schema built
    seen: list[type[Schema]] = []
    stack = list(Schema.__subclasses__())
    while stack:
        cls = stack.pop()
        if cls not in seen:
            seen.append(cls)
            stack.extend(cls.__subclasses__())
    return [c for c in seen if c.__module__.startswith("integra.")]


def _types_in(annotation: Any) -> set[Any]:
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return {t for arg in typing.get_args(annotation) for t in _types_in(arg)}
    return {annotation}


def test_the_schemas_are_found() -> None:
    names = {c.__name__ for c in _all_schemas()}
    assert {"RequestOut", "SessionOut", "PersonRefOut", "PersonOut"} <= names


@pytest.mark.parametrize(
    "schema", [c for c in _all_schemas() if not c.__module__.startswith("integra.people.")]
)
def test_no_schema_outside_the_registry_carries_a_person(schema: type[Schema]) -> None:
    fields = schema.model_fields
    assert not (set(fields) & PERSON_DATA), (
        f"{schema.__module__}.{schema.__name__} serialises person data itself: "
        f"{sorted(set(fields) & PERSON_DATA)} — use the people gate's PersonRefOut"
    )
    for name in set(fields) & NAMING_FIELDS:
        kinds = _types_in(fields[name].annotation) - {type(None)}
        assert kinds == {PersonRefOut}, (
            f"{schema.__name__}.{name} must be integra.people.schemas.PersonRefOut"
        )


def test_a_row_read_without_the_gate_cannot_name_its_person(db) -> None:
    from tests.intake.factories import PuaPointFactory
    from tests.people.factories import PersonFactory

    person = PersonFactory()
    pua = PuaPointFactory()
    from integra.intake.models import IntakeRequest

    request = IntakeRequest(pk=1, person=person, pua=pua)
    with pytest.raises(PersonGateError):
        _ = request.person_ref


def test_the_template_guard_catches_a_bare_person(db, org_a, make_actor) -> None:
    from tests.people.factories import CareRelationshipFactory, PersonFactory

    person = PersonFactory(registered_by=org_a)
    CareRelationshipFactory(person=person, organization=org_a)
    loaded: list[tuple[int, str]] = []
    assert bare_persons({"rows": [person]}, loaded) == [f"Person {person.pk}"]
    guard = TemplateGuard()

    class Context:
        dicts: typing.ClassVar = [{"person": person}]

    guard(None, types.SimpleNamespace(name="page.html"), Context())
    assert guard.violations == [f"page.html: person: Person {person.pk}"]
    # A person loaded on a row is checked when the test ends, against the actor's scope.
    from integra.core.permissions import Role
    from integra.notices.models import Notice

    row = Notice(pk=1, organization=org_a)
    row._state.fields_cache["person"] = person
    outsider = make_actor(org_a, Role.AUDITOR)  # reads no person

    class RowContext:
        dicts: typing.ClassVar = [{"rows": [row], "actor": outsider}]

    guard = TemplateGuard()
    guard(None, types.SimpleNamespace(name="list.html"), RowContext())
    assert guard.violations == []
    guard.check_loaded()
    assert guard.violations == [
        f"list.html: rows: Notice 1 -> Person {person.pk} (not readable by the actor)"
    ]


def test_a_limited_reference_carries_no_content(db, org_a, org_b, make_actor) -> None:
    from integra.core.permissions import Role
    from tests.people.factories import CareRelationshipFactory, PersonFactory

    theirs = PersonFactory(registered_by=org_b, family_names="Zqx", given_names="Limitata")
    CareRelationshipFactory(person=theirs, organization=org_b)
    ref = person_refs(make_actor(org_a, Role.PUA_OPERATOR), [theirs.pk])[theirs.pk]
    assert ref.limited and (ref.family_names, ref.given_names, ref.birth_date) == ("", "", None)
    assert ref.contact.organization_id == org_b.pk
    assert "Zqx" not in ref.label
    full = person_refs(make_actor(org_b, Role.PUA_OPERATOR), [theirs.pk])[theirs.pk]
    assert not full.limited and full.full_name == "Zqx Limitata"
