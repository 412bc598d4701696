"""The "storico" in words (integra/people/history.py): field names, choice labels, names of the
referenced rows, dates in Italian, the reason instead of the service's code."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pghistory
import pytest

from integra.core.permissions import Role
from integra.people.history import history_entries, person_history_events
from integra.people.identifiers import IdentifierKind
from integra.people.models import (
    Education,
    Employment,
    IseeDeclaration,
    IseeKind,
    LivingSituation,
)
from tests.factories import MunicipalityFactory
from tests.people.factories import (
    CareRelationshipFactory,
    PersonFactory,
    PersonIdentifierFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor(org_a, make_actor):
    return make_actor(org_a, Role.SOCIAL_WORKER)


@pytest.fixture
def melzo():
    return MunicipalityFactory(name="Melzo", province_code="MI")


@pytest.fixture
def demo_person(org_a, melzo):
    """What ``seed_demo_persons`` writes for an 88-year-old living alone."""
    with pghistory.context(reason="seed_demo_persons"):
        person = PersonFactory(
            registered_by=org_a,
            given_names="Anna",
            birth_date=date(1938, 12, 9),
            education=Education.VOCATIONAL,
            employment=Employment.RETIRED,
            living_situation=LivingSituation.ALONE,
            residence_municipality=melzo,
            citizenships=["IT", "MA"],
            languages=["it", "ar"],
        )
        PersonIdentifierFactory(person=person, kind=IdentifierKind.CF)
    CareRelationshipFactory(person=person, organization=org_a)
    return person


def _entries(actor, person):
    return history_entries(
        list(person_history_events(actor=actor, person_id=person.pk)), actor=actor
    )


def _changes(entry) -> dict[str, tuple[str, str]]:
    return {change.label: (change.before, change.after) for change in entry.changes}


def test_registration_reads_as_words(actor, demo_person) -> None:
    entry = next(e for e in _entries(actor, demo_person) if e.subject == "Persona")
    assert (entry.action, entry.reason, entry.who) == (
        "Inserimento",
        "dati dimostrativi",
        "sistema",
    )
    after = {label: new for label, (_old, new) in _changes(entry).items()}
    # Labels of the choices (people/models.py), names of the rows, the date in Italian.
    assert after["titolo di studio"] == "Qualifica professionale"
    assert after["condizione professionale"] == "Pensionato/a"
    assert after["condizione abitativa"] == "Vive solo/a"
    assert after["stato della scheda"] == "Attiva"
    assert after["registrata da"] == "Comune di Alfa"
    assert after["Comune di residenza"] == "Melzo (MI)"
    assert after["data di nascita"] == "9 dicembre 1938"
    assert after["cittadinanze"] == "Italia, Marocco"
    assert after["lingue parlate"] == "italiano, arabo"
    assert after["Comune di nascita"] == "—"
    assert after["serve un mediatore culturale"] == "no"


def test_an_identifier_shows_its_kind(actor, demo_person) -> None:
    entry = next(e for e in _entries(actor, demo_person) if e.subject == "Identificativo")
    assert _changes(entry)["tipo"] == ("—", "Codice fiscale")


def test_a_change_shows_both_sides_in_words(actor, demo_person) -> None:
    gorgonzola = MunicipalityFactory(name="Gorgonzola", province_code="MI")
    with pghistory.context(reason="person_update", username="mrossi"):
        demo_person.residence_municipality = gorgonzola
        demo_person.living_situation = LivingSituation.WITH_FAMILY
        demo_person.save()
    # (One transaction in a test: every event has the same time, so pick it by what it is.)
    entry = next(e for e in _entries(actor, demo_person) if e.action == "Modifica")
    assert (entry.action, entry.reason, entry.who) == ("Modifica", "modifica dei dati", "mrossi")
    changes = _changes(entry)
    assert changes["Comune di residenza"] == ("Melzo (MI)", "Gorgonzola (MI)")
    assert changes["condizione abitativa"] == ("Vive solo/a", "Vive con familiari")


def test_an_unknown_reason_is_not_shown_as_a_code(actor, demo_person) -> None:
    with pghistory.context(reason="some_future_service"):
        demo_person.phone = "02 555"
        demo_person.save()
    entry = next(e for e in _entries(actor, demo_person) if e.action == "Modifica")
    assert entry.reason == ""


def test_the_page_shows_the_words(client, actor, demo_person) -> None:
    client.force_login(actor.user)
    page = client.get(f"/persone/{demo_person.pk}/storico/").content.decode()
    for words in ("dati dimostrativi", "Comune di Alfa", "Melzo (MI)", "9 dicembre 1938"):
        assert words in page
    for code in ("seed_demo_persons", "vocational", "retired", "alone", "1938-12-09"):
        assert code not in page


def test_references_are_read_once_per_kind_of_row(
    actor, org_a, melzo, django_assert_num_queries
) -> None:
    person = PersonFactory(registered_by=org_a, residence_municipality=melzo)
    CareRelationshipFactory(person=person, organization=org_a)
    for n in range(5):
        person.residence_municipality = MunicipalityFactory(name=f"Paese {n}")
        person.save()
    events = list(person_history_events(actor=actor, person_id=person.pk))
    # One query for the six Comuni, one for the organisation (registered_by and the care
    # relationship's), whatever the number of events.
    with django_assert_num_queries(2):
        entries = history_entries(events, actor=actor)
    moves = {_changes(e)["Comune di residenza"] for e in entries if e.action == "Modifica"}
    assert ("Paese 3 (MI)", "Paese 4 (MI)") in moves
    assert ("Melzo (MI)", "Paese 0 (MI)") in moves


def test_an_isee_declaration_reads_in_italian(actor, demo_person) -> None:
    IseeDeclaration.objects.create(
        person=demo_person,
        kind=IseeKind.SOCIOSANITARY,
        value=Decimal("24999.50"),
        signed_on=date(2026, 1, 15),
        valid_until=date(2026, 12, 31),
        recorded_by=actor.membership,
    )
    entry = next(e for e in _entries(actor, demo_person) if e.subject == "Dichiarazione ISEE")
    after = {label: new for label, (_old, new) in _changes(entry).items()}
    assert after["valore ISEE (euro)"] == "24.999,50"
    assert after["tipo"] == "ISEE sociosanitario"
    assert after["data di presentazione della DSU"] == "15 gennaio 2026"
    assert after["valida fino al"] == "31 dicembre 2026"
    # The operator who recorded it: "user – organisation" (Membership.__str__).
    assert after["registrato da"].endswith("– Comune di Alfa")
