"""Writes of the registry (integra/people/services.py).

Codes used (check characters per DM 23/12/1976 n. 13813, worked in test_identifiers.py):
RSSMRA80A01H501U = man born 01/01/1980 in Rome (H501); BNCNNA85L62F205J = woman born
22/07/1985 in Milan (F205, day 62 = 22 + 40). STP0301230000001: STP, Lombardy (030), issuer
123 (circolare Min. Salute 19/2/2008).
"""

from __future__ import annotations

from datetime import date, timedelta

import pghistory.models
import pytest
from django.utils import timezone

from integra.core.access import NotFound, PermissionRequired
from integra.core.permissions import Role
from integra.people.errors import MismatchField, PersonError, PersonErrorCode
from integra.people.identifiers import IdentifierKind
from integra.people.matching import PossibleDuplicate
from integra.people.models import CareRelationship, Person, PersonIdentifier
from integra.people.services import (
    care_relationship_end,
    care_relationship_start,
    person_create,
    person_update,
)
from tests.factories import MunicipalityFactory
from tests.people.factories import ConsentFactory

pytestmark = pytest.mark.django_db

ROSSI = "RSSMRA80A01H501U"
BIANCHI = "BNCNNA85L62F205J"


@pytest.fixture
def rome():
    return MunicipalityFactory(belfiore_code="H501", name="Roma", province_code="RM")


def rossi_data(**extra):
    return {
        "family_names": " Rossi ",
        "given_names": "Mario",
        "sex": "M",
        "birth_date": date(1980, 1, 1),
        "identifiers": [{"value": "rss mra 80a01 h501u"}],
        **extra,
    }


def test_create_person_with_codice_fiscale(org_a, make_actor, rome) -> None:
    actor = make_actor(org_a, Role.SOCIAL_WORKER)
    person, warnings = person_create(actor=actor, data=rossi_data(birth_place_code="H501"))
    assert warnings == []
    person.refresh_from_db()
    assert person.family_names == "Rossi"
    assert person.search_name == "rossi mario"
    assert person.birth_place_municipality == rome
    assert person.registered_by == org_a
    identifier = person.identifiers.get()
    assert (identifier.kind, identifier.value, identifier.is_primary) == ("cf", ROSSI, True)
    relationship = CareRelationship.objects.get(person=person)
    assert relationship.organization == org_a
    assert relationship.reason == "registrazione"
    assert relationship.ended_on is None
    assert relationship.created_by == actor.membership


def test_search_name_drops_accents_and_case(org_a, make_actor) -> None:
    person, _ = person_create(
        actor=make_actor(org_a, Role.PUA_OPERATOR),
        data={"family_names": "D'Alò Nicolò", "given_names": "JOSÉ"},
    )
    assert person.search_name == "d alo nicolo jose"


def test_person_without_any_code_can_be_created(org_a, make_actor) -> None:
    """An outreach contact may have no code and no birth date: the record is incomplete."""
    person, warnings = person_create(
        actor=make_actor(org_a, Role.SOCIAL_WORKER),
        data={"family_names": "Sconosciuto", "given_names": "Ahmed", "sex": "X"},
    )
    assert warnings == []
    assert person.identifiers.count() == 0
    assert person.is_incomplete


def test_mismatch_is_a_warning_not_an_error(org_a, make_actor) -> None:
    """BNCNNA85L62F205J says woman, 22/07/…85, Milan; the operator entered otherwise."""
    person, warnings = person_create(
        actor=make_actor(org_a, Role.SOCIAL_WORKER),
        data={
            "family_names": "Bianchi",
            "given_names": "Anna",
            "sex": "M",
            "birth_date": date(1985, 7, 23),
            "birth_place_code": "H501",
            "identifiers": [{"value": BIANCHI}],
        },
    )
    assert Person.objects.filter(pk=person.pk).exists()
    assert [w.field for w in warnings] == [
        MismatchField.SEX,
        MismatchField.BIRTH_DATE,
        MismatchField.BIRTH_PLACE,
    ]


def test_invalid_identifier_names_it_and_saves_nothing(org_a, make_actor) -> None:
    with pytest.raises(PersonError) as caught:
        person_create(
            actor=make_actor(org_a, Role.SOCIAL_WORKER),
            data=rossi_data(
                identifiers=[{"value": "STP0301230000001"}, {"value": ROSSI[:15] + "X"}]
            ),
        )
    assert caught.value.code == PersonErrorCode.IDENTIFIER_INVALID
    assert list(caught.value.errors) == ["identifiers.1.value"]
    (message,) = caught.value.errors["identifiers.1.value"]
    assert "RSSMRA80A01H501X" in message
    assert "carattere di controllo X non corrisponde" in message
    assert Person.objects.count() == 0
    assert PersonIdentifier.objects.count() == 0


def test_duplicate_codice_fiscale_refused_without_disclosing_the_holder(
    org_a, org_b, make_actor
) -> None:
    """A taken code answers like any other possible duplicate (issue 9, oracles): who may not
    read the holder learns only that someone is registered, and a reason does not help."""
    person_create(
        actor=make_actor(org_a, Role.SOCIAL_WORKER),
        data=rossi_data(family_names="Verdissimo", given_names="Ottavio"),
    )
    nurse = make_actor(org_b, Role.NURSE)
    for data in (rossi_data(), rossi_data(confirm_new_person_reason="Un'altra persona")):
        with pytest.raises(PossibleDuplicate) as caught:
            person_create(actor=nurse, data=data)
        [candidate] = caught.value.candidates
        assert (candidate.person, candidate.ref, candidate.score, candidate.reasons) == (
            None,
            None,
            None,
            [],
        )
        assert candidate.certain
    assert Person.objects.count() == 1
    assert Person.objects.count() == 1


def test_every_bad_field_reported_at_once(org_a, make_actor) -> None:
    with pytest.raises(PersonError) as caught:
        person_create(
            actor=make_actor(org_a, Role.SOCIAL_WORKER),
            data={
                "family_names": "",
                "given_names": "Mario",
                "birth_date": timezone.localdate() + timedelta(days=1),
                "citizenships": ["ITA"],
                "languages": ["it", "italiano"],
                "email": "non-una-email",
                "legal_guardian_kind": "tutore",
                "birth_place_code": "Q999",
            },
        )
    assert set(caught.value.errors) == {
        "family_names",
        "birth_date",
        "citizenships",
        "languages",
        "email",
        "legal_guardian_name",
        "birth_place_code",
    }


def test_stp_valid_for_six_months_by_default(org_a, make_actor) -> None:
    """STP codes are valid six months (circolare Min. Salute 3/8/2007)."""
    person, _ = person_create(
        actor=make_actor(org_a, Role.PUA_OPERATOR),
        data={
            "family_names": "Haxhi",
            "given_names": "Arben",
            "citizenships": ["al"],
            "identifiers": [{"value": "STP0301230000001", "issued_on": date(2026, 8, 31)}],
        },
    )
    identifier = person.identifiers.get()
    assert identifier.kind == IdentifierKind.STP
    assert identifier.valid_until == date(2027, 2, 28)
    assert person.citizenships == ["AL"]


def test_create_needs_person_edit(org_a, make_actor) -> None:
    with pytest.raises(PermissionRequired):
        person_create(actor=make_actor(org_a, Role.UVM_MEMBER), data=rossi_data())


def test_update_through_visibility(org_a, org_b, make_actor) -> None:
    person, _ = person_create(actor=make_actor(org_a, Role.SOCIAL_WORKER), data=rossi_data())
    outsider = make_actor(org_b, Role.SOCIAL_WORKER)
    with pytest.raises(NotFound):
        person_update(
            expected_version=None, actor=outsider, person_id=person.pk, data={"phone": "02 1234"}
        )
    pua_b = make_actor(org_b, Role.PUA_OPERATOR)
    # Without the person's consent to sharing, another organisation cannot change the record
    # (Garante, Linee guida sul Dossier sanitario 4/6/2015).
    with pytest.raises(NotFound):
        person_update(
            expected_version=None, actor=pua_b, person_id=person.pk, data={"phone": "02 1234"}
        )
    ConsentFactory(person=person)
    updated, warnings = person_update(
        expected_version=None,
        actor=pua_b,
        person_id=person.pk,
        data={"phone": " 02 1234 ", "sex": "F"},
    )
    assert updated.phone == "02 1234"
    assert [w.field for w in warnings] == [MismatchField.SEX]
    person.refresh_from_db()
    assert person.family_names == "Rossi"  # untouched


def test_update_adds_an_identifier(org_a, make_actor) -> None:
    actor = make_actor(org_a, Role.SOCIAL_WORKER)
    person, _ = person_create(actor=actor, data={"family_names": "Rossi", "given_names": "M"})
    person_update(
        expected_version=None,
        actor=actor,
        person_id=person.pk,
        data={"identifiers": [{"value": ROSSI}]},
    )
    assert list(person.identifiers.values_list("value", "is_primary")) == [(ROSSI, True)]


def test_care_relationship_opens_and_closes_access(org_a, org_b, make_actor) -> None:
    person, _ = person_create(actor=make_actor(org_a, Role.SOCIAL_WORKER), data=rossi_data())
    nurse_b = make_actor(org_b, Role.NURSE)
    with pytest.raises(NotFound):
        care_relationship_start(actor=nurse_b, person_id=person.pk, reason="ADI")
    # The PUA of B routes the person to B.
    relationship = care_relationship_start(
        actor=make_actor(org_b, Role.PUA_OPERATOR), person_id=person.pk, reason="ADI"
    )
    ConsentFactory(person=person)  # sharing consent: B may read and change the content
    assert (
        person_update(
            expected_version=None, actor=nurse_b, person_id=person.pk, data={"phone": "1"}
        )[0].phone
        == "1"
    )
    with pytest.raises(PersonError) as caught:
        care_relationship_start(actor=nurse_b, person_id=person.pk, reason="di nuovo")
    assert caught.value.code == PersonErrorCode.CARE_RELATIONSHIP_EXISTS
    yesterday = timezone.localdate() - timedelta(days=1)
    CareRelationship.objects.filter(pk=relationship.pk).update(started_on=yesterday)
    care_relationship_end(actor=nurse_b, relationship_id=relationship.pk, ended_on=yesterday)
    with pytest.raises(NotFound):
        person_update(
            expected_version=None, actor=nurse_b, person_id=person.pk, data={"phone": "2"}
        )


def test_only_the_pua_takes_in_charge_for_another_organisation(org_a, org_b, make_actor) -> None:
    person, _ = person_create(actor=make_actor(org_a, Role.SOCIAL_WORKER), data=rossi_data())
    with pytest.raises(PermissionRequired):
        care_relationship_start(
            actor=make_actor(org_a, Role.SOCIAL_WORKER),
            person_id=person.pk,
            reason="invio",
            organization_id=org_b.pk,
        )


def _reasons(model, **lookup) -> list[tuple[str, str | None]]:
    events = model.pgh_event_model.objects.filter(**lookup).order_by("pgh_id")
    return [
        (e.pgh_label, e.pgh_context.metadata.get("reason") if e.pgh_context else None)
        for e in events.select_related("pgh_context")
    ]


def test_history_events_carry_the_reason(org_a, make_actor) -> None:
    actor = make_actor(org_a, Role.SOCIAL_WORKER)
    person, _ = person_create(actor=actor, data=rossi_data())
    person_update(expected_version=None, actor=actor, person_id=person.pk, data={"phone": "02"})
    assert _reasons(Person, pgh_obj_id=person.pk) == [
        ("insert", "person_create"),
        ("update", "person_update"),
    ]
    assert _reasons(PersonIdentifier, person_id=person.pk) == [("insert", "person_create")]
    assert _reasons(CareRelationship, person_id=person.pk) == [("insert", "person_create")]
    assert pghistory.models.Context.objects.exists()
