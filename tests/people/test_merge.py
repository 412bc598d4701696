"""Merge of two records of the same person and its undo (integra/people/merging.py).

Codes: ``fiscal_code_for(n)`` (tests/people/factories.py) gives distinct valid codici fiscali
of men born 01/01/1980 in Rome; the omocodic forms of a code come from
``integra.people.matching.fiscal_code_forms`` (DM 23/12/1976: digits replaced by LMNPQRSTUV
from the right, check character recomputed).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import models
from django.utils import timezone

from integra.audit.models import AccessLog
from integra.core.access import NotFound, PermissionRequired
from integra.core.permissions import Role
from integra.people import merging
from integra.people.identifiers import IdentifierKind
from integra.people.matching import fiscal_code_forms
from integra.people.merging import MergeError, MergeErrorCode
from integra.people.models import (
    CareRelationship,
    ConcealedKind,
    ConcealmentAction,
    ConcealmentDecision,
    ConcealmentEvidence,
    DocumentKind,
    EmergencyAccess,
    HouseholdMember,
    HouseholdRelationship,
    IseeDeclaration,
    IseeKind,
    Person,
    PersonDocument,
    PersonIdentifier,
    PersonMerge,
    PersonStatus,
    TeamAccess,
)
from integra.people.selectors import person_duplicate_candidates, person_list, person_search
from integra.people.services import person_create
from tests.factories import MembershipFactory
from tests.people.factories import (
    CareRelationshipFactory,
    ConsentFactory,
    PersonFactory,
    PersonIdentifierFactory,
    fiscal_code_for,
)

pytestmark = pytest.mark.django_db

REASON = "Stessa persona: verificata la carta d'identità"


@pytest.fixture
def pua(org_a, make_actor):
    return make_actor(org_a, Role.PUA_OPERATOR)


def registered(org, family="Rossi", given="Mario", **kwargs) -> Person:
    person = PersonFactory(registered_by=org, family_names=family, given_names=given, **kwargs)
    CareRelationshipFactory(person=person, organization=org)
    return person


@pytest.fixture
def pair(org_a):
    """Two records of one man: the survivor with his codice fiscale, the alias with an STP."""
    survivor = registered(org_a, birth_date=date(1980, 1, 1))
    PersonIdentifierFactory(person=survivor, value=fiscal_code_for(1))
    # Not (yet) in charge of anybody: the PUA sees the whole registry.
    alias = PersonFactory(
        registered_by=org_a,
        family_names="Rosi",
        given_names="Mario",
        birth_date=date(1980, 1, 1),
        phone="333 1234567",
    )
    PersonIdentifierFactory(
        person=alias, kind=IdentifierKind.STP, value="STP0300101234567", is_primary=True
    )
    return survivor, alias


def every_kind_of_row(alias: Person, org_b, n: int = 0) -> dict[str, list[int]]:
    """One row of every relation of the people app pointing at ``alias``."""
    recorder = MembershipFactory(organization=alias.registered_by)
    other = PersonFactory(registered_by=alias.registered_by, family_names="Verdi")
    earlier_alias = PersonFactory(registered_by=alias.registered_by, family_names="Rossy")
    Person.objects.filter(pk=earlier_alias.pk).update(status=PersonStatus.MERGED, merged_into=alias)
    rows = {
        "people.personidentifier.person": [
            *PersonIdentifier.objects.filter(person=alias).values_list("pk", flat=True),
            PersonIdentifierFactory(
                person=alias,
                kind=IdentifierKind.ENI,
                value=f"ENI030010{1234567 + n:07d}",
                is_primary=False,
            ).pk,
        ],
        "people.carerelationship.person": [
            *CareRelationship.objects.filter(person=alias).values_list("pk", flat=True),
            CareRelationshipFactory(person=alias, organization=org_b).pk,
        ],
        "people.consent.person": [ConsentFactory(person=alias).pk],
        "people.persondocument.person": [
            PersonDocument.objects.create(
                person=alias, kind=DocumentKind.PASSPORT, number="YA1234567", uploaded_by=recorder
            ).pk
        ],
        "people.householdmember.person": [
            HouseholdMember.objects.create(
                person=alias,
                name="Anna Rossi",
                relationship=HouseholdRelationship.SPOUSE,
                recorded_by=recorder,
            ).pk
        ],
        "people.householdmember.member": [
            HouseholdMember.objects.create(
                person=other,
                member=alias,
                relationship=HouseholdRelationship.CHILD,
                recorded_by=recorder,
            ).pk
        ],
        "people.iseedeclaration.person": [
            IseeDeclaration.objects.create(
                person=alias,
                kind=IseeKind.ORDINARY,
                value=Decimal("9000.00"),
                signed_on=date(2026, 2, 1),
                valid_until=date(2026, 12, 31),
                recorded_by=recorder,
            ).pk
        ],
        "people.person.merged_into": [earlier_alias.pk],
        "people.concealmentdecision.person": [
            ConcealmentDecision.objects.create(
                person=alias,
                item_kind=ConcealedKind.DOCUMENT,
                item_id=rows_document(alias),
                author_organization=alias.registered_by,
                action=ConcealmentAction.CONCEAL,
                requested_on=date(2026, 3, 2),
                evidence_kind=ConcealmentEvidence.WRITTEN_REQUEST,
                evidence_note="richiesta scritta, protocollo n. 77/2026",
                recorded_by=recorder,
                recorded_by_organization=alias.registered_by,
            ).pk
        ],
        "people.emergencyaccess.person": [
            EmergencyAccess.objects.create(
                person=alias,
                user=recorder.user,
                membership=recorder,
                organization=alias.registered_by,
                reason="caduta in casa, serve sapere chi è il caregiver",
                expires_at=timezone.now() + timedelta(hours=1),
            ).pk
        ],
        "people.teamaccess.person": [
            TeamAccess.objects.create(
                person=alias,
                user=recorder.user,
                membership=recorder,
                source=f"careplans.careteammember:{900 + n}",
                reason="componente dell'équipe del progetto",
            ).pk
        ],
    }
    return rows


def rows_document(person: Person) -> int:
    """The id of the person's (first) document, the item a concealment names."""
    return PersonDocument.objects.filter(person=person).values_list("pk", flat=True).first() or 0


# --- the relations ------------------------------------------------------------------------------


def test_links_are_every_foreign_key_to_person_of_any_app() -> None:
    """Found by scanning every model: a new app's foreign key to Person moves without code."""
    expected = set()
    for model in apps.get_models():
        if model.__name__.endswith("Event") and hasattr(model, "pgh_obj"):
            continue  # history
        if model is PersonMerge:
            continue
        for item in model._meta.get_fields():
            if isinstance(item, models.ForeignKey) and item.related_model is Person:
                expected.add(f"{model._meta.label_lower}.{item.name}")
    found = {link.key for link in merging.person_links()}
    assert found == expected
    assert "people.personidentifier.person" in found


def test_merge_moves_every_linked_row(pair, pua, org_b) -> None:
    survivor, alias = pair
    rows = every_kind_of_row(alias, org_b)
    people_links = {
        k for k in (lnk.key for lnk in merging.person_links()) if k.startswith("people")
    }
    assert set(rows) == people_links  # the test builds a row of every relation of the app

    record = merging.person_merge(
        actor=pua, survivor_id=survivor.pk, merged_id=alias.pk, reason=REASON
    )

    for link in merging.person_links():
        assert not link.rows_of(alias).exists(), link.key
    for key, ids in rows.items():
        link = merging._link_by_key(key)
        assert link is not None
        assert set(link.rows_of(survivor).filter(pk__in=ids).values_list("pk", flat=True)) == set(
            ids
        )
        assert sorted(record.moved[key]) == sorted(ids)
    alias.refresh_from_db()
    assert (alias.status, alias.merged_into_id) == (PersonStatus.MERGED, survivor.pk)
    assert record.kept == {}
    # One primary identifier: the codice fiscale beats the STP (services._PRIMARY_ORDER).
    primary = PersonIdentifier.objects.get(person=survivor, is_primary=True)
    assert primary.kind == IdentifierKind.CF


def test_alias_leaves_searches_lists_and_duplicate_checks(pair, pua) -> None:
    survivor, alias = pair
    merging.person_merge(actor=pua, survivor_id=survivor.pk, merged_id=alias.pk, reason=REASON)
    assert [m.person_id for m in person_search(actor=pua, query="STP0300101234567")] == [
        survivor.pk
    ]  # the alias's code finds the survivor
    assert alias.pk not in {p.pk for p in person_list(actor=pua)}
    assert [p.pk for p in person_list(actor=pua, identifier="STP0300101234567")] == [survivor.pk]
    assert alias.pk not in {m.person_id for m in person_search(actor=pua, query="Rosi Mario")}
    candidates = person_duplicate_candidates(
        actor=pua, data={"family_names": "Rosi", "given_names": "Mario"}
    )
    assert alias.pk not in {c.person.pk for c in candidates if c.person is not None}


def test_names_taken_from_the_alias_are_searchable(pair, pua) -> None:
    survivor, alias = pair
    merging.person_merge(
        actor=pua,
        survivor_id=survivor.pk,
        merged_id=alias.pk,
        reason=REASON,
        keep={"family_names": "merged"},
    )
    survivor.refresh_from_db()
    assert survivor.family_names == "Rosi"
    assert survivor.search_name == "rosi mario"
    assert "ros" in survivor.search_keys and "-osi" in survivor.search_keys


# --- refusals -----------------------------------------------------------------------------------


def test_twins_with_different_valid_fiscal_codes_are_refused(org_a, pua) -> None:
    one = registered(org_a, birth_date=date(1980, 1, 1))
    PersonIdentifierFactory(person=one, value=fiscal_code_for(1))
    twin = registered(org_a, birth_date=date(1980, 1, 1))
    PersonIdentifierFactory(person=twin, value=fiscal_code_for(2))
    preview = merging.person_merge_preview(actor=pua, survivor_id=one.pk, merged_id=twin.pk)
    assert [b.code for b in preview.blockers] == [MergeErrorCode.DIFFERENT_FISCAL_CODES]
    with pytest.raises(MergeError) as refused:
        merging.person_merge(actor=pua, survivor_id=one.pk, merged_id=twin.pk, reason=REASON)
    assert refused.value.code == MergeErrorCode.DIFFERENT_FISCAL_CODES
    assert "gemelli" in refused.value.message
    assert not PersonMerge.objects.exists()
    twin.refresh_from_db()
    assert twin.status == PersonStatus.ACTIVE


def test_an_omocodic_form_of_the_same_code_is_allowed_with_a_warning(org_a, pua) -> None:
    code = fiscal_code_for(3)
    omocodic = sorted(fiscal_code_forms(code) - {code})[0]
    one = registered(org_a)
    PersonIdentifierFactory(person=one, value=code)
    other = registered(org_a)
    PersonIdentifierFactory(person=other, value=omocodic)
    preview = merging.person_merge_preview(actor=pua, survivor_id=one.pk, merged_id=other.pk)
    assert preview.can_merge
    assert "omocodica" in preview.warnings[0]


@pytest.mark.parametrize(
    ("case", "code"),
    [("same", MergeErrorCode.SAME_PERSON), ("merged", MergeErrorCode.ALREADY_MERGED)],
)
def test_same_record_or_already_merged_is_refused(pair, pua, org_a, case, code) -> None:
    survivor, alias = pair
    other = alias
    if case == "same":
        other = survivor
    else:
        merging.person_merge(actor=pua, survivor_id=survivor.pk, merged_id=alias.pk, reason=REASON)
        other = alias
        survivor = registered(org_a, family="Terzo")
    with pytest.raises(MergeError) as refused:
        merging.person_merge(actor=pua, survivor_id=survivor.pk, merged_id=other.pk, reason=REASON)
    assert refused.value.code == code


def test_a_record_without_the_sharing_consent_is_not_found(pair, pua, org_b) -> None:
    """Registered by B, no sharing consent: the PUA of A sees it only limited (people.access)."""
    survivor, _alias = pair
    foreign = registered(org_b, family="Rossi")
    with pytest.raises(NotFound):
        merging.person_merge_preview(actor=pua, survivor_id=survivor.pk, merged_id=foreign.pk)
    with pytest.raises(NotFound):
        merging.person_merge(actor=pua, survivor_id=survivor.pk, merged_id=foreign.pk, reason="x")
    with pytest.raises(NotFound):
        merging.person_merge(actor=pua, survivor_id=survivor.pk, merged_id=999_999, reason="x")
    ConsentFactory(person=foreign)  # with the consent the same record can be merged
    assert merging.person_merge_preview(
        actor=pua, survivor_id=survivor.pk, merged_id=foreign.pk
    ).can_merge


def test_merge_needs_the_merge_permission(pair, org_a, make_actor) -> None:
    survivor, alias = pair
    worker = make_actor(org_a, Role.SOCIAL_WORKER)
    with pytest.raises(PermissionRequired):
        merging.person_merge(actor=worker, survivor_id=survivor.pk, merged_id=alias.pk, reason="x")
    with pytest.raises(PermissionRequired):
        merging.person_merge_preview(actor=worker, survivor_id=survivor.pk, merged_id=alias.pk)


def test_reason_and_choices_are_checked(pair, pua) -> None:
    survivor, alias = pair
    with pytest.raises(MergeError) as refused:
        merging.person_merge(
            actor=pua,
            survivor_id=survivor.pk,
            merged_id=alias.pk,
            reason="  ",
            keep={"phone": "both", "shoe_size": "merged"},
        )
    assert refused.value.code == MergeErrorCode.INVALID
    assert set(refused.value.errors) == {"reason", "keep.phone", "keep.shoe_size"}
    assert not PersonMerge.objects.exists()


# --- rules for rows that cannot move ------------------------------------------------------------


def test_rows_that_would_break_a_rule_stay_on_the_alias(pair, pua, org_a, org_b) -> None:
    survivor, alias = pair
    recorder = MembershipFactory(organization=org_a)
    # Both records in charge of A: the alias's active one stays; an ended one moves.
    CareRelationshipFactory(person=alias, organization=org_a)
    ended = CareRelationshipFactory(
        person=alias,
        organization=org_a,
        started_on=date(2020, 1, 1),
        ended_on=date(2020, 12, 31),
    )
    # The two records listed in each other's household: a person is not their own member.
    alias_lists_survivor = HouseholdMember.objects.create(
        person=alias,
        member=survivor,
        relationship=HouseholdRelationship.OTHER_RELATIVE,
        recorded_by=recorder,
    )
    survivor_lists_alias = HouseholdMember.objects.create(
        person=survivor,
        member=alias,
        relationship=HouseholdRelationship.OTHER_RELATIVE,
        recorded_by=recorder,
    )
    preview = merging.person_merge_preview(actor=pua, survivor_id=survivor.pk, merged_id=alias.pk)
    care = next(s for s in preview.links if s.key == "people.carerelationship.person")
    assert (care.to_move, care.kept) == (1, 1)
    identifiers = next(s for s in preview.links if s.key == "people.personidentifier.person")
    assert (identifiers.to_move, identifiers.kept) == (1, 0)  # made secondary, not kept

    record = merging.person_merge(
        actor=pua, survivor_id=survivor.pk, merged_id=alias.pk, reason=REASON
    )
    active_on_alias = CareRelationship.objects.get(person=alias)
    assert active_on_alias.ended_on is None
    assert record.moved["people.carerelationship.person"] == [ended.pk]
    assert record.kept["people.carerelationship.person"]["ids"] == [active_on_alias.pk]
    assert record.kept["people.householdmember.person"]["ids"] == [alias_lists_survivor.pk]
    assert record.kept["people.householdmember.member"]["ids"] == [survivor_lists_alias.pk]
    assert CareRelationship.objects.filter(person=survivor, organization=org_a).count() == 2


# --- field choices and undo ---------------------------------------------------------------------


def test_field_choices_and_undo_restore_exactly(pair, pua, org_b) -> None:
    survivor, alias = pair
    Person.objects.filter(pk=survivor.pk).update(email="mario@example.org")
    Person.objects.filter(pk=alias.pk).update(email="m.rossi@example.org")
    rows = every_kind_of_row(alias, org_b)
    survivor_cf = PersonIdentifier.objects.get(person=survivor)
    preview = merging.person_merge_preview(actor=pua, survivor_id=survivor.pk, merged_id=alias.pk)
    defaults = {d.group: d.default for d in preview.differences}
    # Survivor's phone is empty: the alias's is proposed; the names differ: the survivor's.
    assert defaults == {"family_names": "survivor", "phone": "merged", "email": "survivor"}

    record = merging.person_merge(
        actor=pua,
        survivor_id=survivor.pk,
        merged_id=alias.pk,
        reason=REASON,
        keep={"email": "merged"},
    )
    survivor.refresh_from_db()
    assert (survivor.phone, survivor.email) == ("333 1234567", "m.rossi@example.org")
    assert record.fields["email"] == {
        "kept": "merged",
        "survivor": {"email": "mario@example.org"},
        "merged": {"email": "m.rossi@example.org"},
        "survivor_text": "mario@example.org",
        "merged_text": "m.rossi@example.org",
    }
    assert [f.group for f in merging.merge_fields_summary(record)] == [
        "family_names",
        "phone",
        "email",
    ]
    after_merge = PersonIdentifierFactory(
        person=survivor, kind=IdentifierKind.ENI, value="ENI0300109999999", is_primary=False
    )

    merging.person_merge_undo(actor=pua, merge_id=record.pk, reason="Erano due persone diverse")

    survivor.refresh_from_db()
    alias.refresh_from_db()
    assert (survivor.phone, survivor.email) == ("", "mario@example.org")
    assert (alias.status, alias.merged_into_id) == (PersonStatus.ACTIVE, None)
    for key, ids in rows.items():
        link = merging._link_by_key(key)
        assert link is not None
        assert set(link.rows_of(alias).filter(pk__in=ids).values_list("pk", flat=True)) == set(
            ids
        ), key
    survivor_cf.refresh_from_db()
    assert survivor_cf.is_primary and survivor_cf.person_id == survivor.pk
    after_merge.refresh_from_db()
    assert after_merge.person_id == survivor.pk  # added after the merge: stays
    record.refresh_from_db()
    assert record.is_undone and record.undo_reason == "Erano due persone diverse"


def test_undo_keeps_a_value_changed_after_the_merge(pair, pua) -> None:
    survivor, alias = pair
    record = merging.person_merge(
        actor=pua, survivor_id=survivor.pk, merged_id=alias.pk, reason=REASON
    )
    Person.objects.filter(pk=survivor.pk).update(phone="02 7654321")
    merging.person_merge_undo(actor=pua, merge_id=record.pk, reason="Errore")
    survivor.refresh_from_db()
    assert survivor.phone == "02 7654321"


def test_undo_is_refused_twice_and_after_the_survivor_was_merged(pair, pua, org_a) -> None:
    survivor, alias = pair
    record = merging.person_merge(
        actor=pua, survivor_id=survivor.pk, merged_id=alias.pk, reason=REASON
    )
    third = registered(org_a, family="Rossi", given="Mario Luigi")
    later = merging.person_merge(
        actor=pua, survivor_id=third.pk, merged_id=survivor.pk, reason=REASON
    )
    with pytest.raises(MergeError) as refused:
        merging.person_merge_undo(actor=pua, merge_id=record.pk, reason="Errore")
    assert refused.value.code == MergeErrorCode.SURVIVOR_MERGED
    assert f"n. {later.pk}" in refused.value.message

    merging.person_merge_undo(actor=pua, merge_id=later.pk, reason="Errore")
    merging.person_merge_undo(actor=pua, merge_id=record.pk, reason="Errore")
    with pytest.raises(MergeError) as twice:
        merging.person_merge_undo(actor=pua, merge_id=record.pk, reason="Errore")
    assert twice.value.code == MergeErrorCode.ALREADY_UNDONE


def test_undo_needs_a_reason(pair, pua) -> None:
    survivor, alias = pair
    record = merging.person_merge(
        actor=pua, survivor_id=survivor.pk, merged_id=alias.pk, reason=REASON
    )
    with pytest.raises(MergeError) as refused:
        merging.person_merge_undo(actor=pua, merge_id=record.pk, reason="")
    assert refused.value.errors == {"reason": ["Indica il motivo."]}


# --- audit and reads ----------------------------------------------------------------------------


def test_merge_and_undo_are_audited(pair, pua) -> None:
    survivor, alias = pair
    record = merging.person_merge(
        actor=pua, survivor_id=survivor.pk, merged_id=alias.pk, reason=REASON
    )
    person_events = apps.get_model("people", "PersonEvent").objects.filter(
        pgh_obj_id=alias.pk, pgh_context__metadata__reason="person_merge"
    )
    event = person_events.get()
    assert event.status == PersonStatus.MERGED
    assert event.pgh_context.metadata["merge_reason"] == REASON
    assert event.pgh_context.metadata["person_merge"] == record.pk
    moved = apps.get_model("people", "PersonIdentifierEvent").objects.filter(
        pgh_context__metadata__reason="person_merge", person_id=survivor.pk
    )
    assert moved.exists()
    logged = AccessLog.objects.filter(detail__view="unione", detail__merge=record.pk)
    assert set(logged.values_list("person_id", flat=True)) == {survivor.pk, alias.pk}

    merging.person_merge_undo(actor=pua, merge_id=record.pk, reason="Errore")
    assert (
        apps.get_model("people", "PersonEvent")
        .objects.filter(pgh_obj_id=alias.pk, pgh_context__metadata__reason="person_merge_undo")
        .get()
        .status
        == PersonStatus.ACTIVE
    )
    assert apps.get_model("people", "PersonMergeEvent").objects.filter(
        pgh_obj_id=record.pk, pgh_context__metadata__undo_reason="Errore"
    )


def test_merges_are_listed_for_holders_of_the_permission(pair, pua, org_b, make_actor) -> None:
    survivor, alias = pair
    record = merging.person_merge(
        actor=pua, survivor_id=survivor.pk, merged_id=alias.pk, reason=REASON
    )
    assert list(merging.person_merge_list(actor=pua)) == [record]
    # The PUA of B sees the persons but not their content (no sharing consent): nothing.
    assert list(merging.person_merge_list(actor=make_actor(org_b, Role.PUA_OPERATOR))) == []
    with pytest.raises(NotFound):
        merging.person_merge_get(actor=make_actor(org_b, Role.PUA_OPERATOR), merge_id=record.pk)
    assert merging.person_merge_get(actor=pua, merge_id=record.pk) == record


def test_preview_queries_do_not_grow_with_the_rows(
    pair, pua, org_b, django_assert_max_num_queries
) -> None:
    survivor, alias = pair
    every_kind_of_row(alias, org_b)
    with django_assert_max_num_queries(40) as few:
        merging.person_merge_preview(actor=pua, survivor_id=survivor.pk, merged_id=alias.pk)
    for n in range(1, 6):
        every_kind_of_row(alias, org_b, n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        merging.person_merge_preview(actor=pua, survivor_id=survivor.pk, merged_id=alias.pk)


def test_an_alias_does_not_block_a_registration(pair, pua) -> None:
    """Same names and birth date as the alias would score 0.95 (certain, selectors); merged, the
    alias is no candidate, and the survivor (Rossi/Rosi: 0.5 + 0.3 x 0.9 = 0.77) is below 0.85."""
    survivor, alias = pair
    merging.person_merge(actor=pua, survivor_id=survivor.pk, merged_id=alias.pk, reason=REASON)
    person, _warnings = person_create(
        actor=pua,
        data={"family_names": "Rosi", "given_names": "Mario", "birth_date": date(1980, 1, 1)},
    )
    assert person.status == PersonStatus.ACTIVE


def test_preview_of_an_alias_reads_nothing_of_it(pair, pua, org_a) -> None:
    survivor, alias = pair
    merging.person_merge(actor=pua, survivor_id=survivor.pk, merged_id=alias.pk, reason=REASON)
    other = registered(org_a, family="Rossi", given="Maria")
    preview = merging.person_merge_preview(actor=pua, survivor_id=other.pk, merged_id=alias.pk)
    assert [b.code for b in preview.blockers] == [MergeErrorCode.ALREADY_MERGED]
    assert (preview.differences, preview.links, preview.warnings) == ([], [], [])


def test_a_unique_rule_naming_the_person_is_found_generically(pair) -> None:
    """``person_identifier_one_primary`` (UniqueConstraint on person where is_primary): without
    the adjustment the alias's primary would duplicate the survivor's, so it would be kept."""
    survivor, alias = pair
    link = merging._link_by_key("people.personidentifier.person")
    assert link is not None
    conflicting = link.rows_of(alias).filter(merging._unique_conflicts(link, survivor))
    assert list(conflicting.values_list("value", flat=True)) == ["STP0300101234567"]
    PersonIdentifier.objects.filter(person=alias).update(is_primary=False)
    assert not link.rows_of(alias).filter(merging._unique_conflicts(link, survivor)).exists()
