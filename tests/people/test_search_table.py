"""The search table (``PersonSearchName``, people migration 0015) is written by the database:
every way of writing a person — the ORM, a bulk insert, an update of the queryset, COPY (the
synthetic loader's), a deletion — leaves it holding exactly each person's ``search_name``."""

from __future__ import annotations

import pytest
from django.db import connection

from integra.people.models import Person, PersonSearchName
from tests.db_roles import acting_as_owner
from tests.people.factories import PersonFactory

pytestmark = pytest.mark.django_db


def search_table() -> dict[int, str]:
    return dict(PersonSearchName.objects.values_list("person_id", "search_name"))


def person_table() -> dict[int, str]:
    return dict(Person.objects.values_list("pk", "search_name"))


def test_insert_update_and_delete_keep_the_table_in_step() -> None:
    rossi = PersonFactory(family_names="Rossi", given_names="Mario")
    bianchi = PersonFactory(family_names="Bianchi", given_names="Anna")
    assert search_table()[rossi.pk] == "rossi mario"
    Person.objects.filter(pk=rossi.pk).update(search_name="rossini mario")
    assert search_table()[rossi.pk] == "rossini mario"
    Person.objects.bulk_create(
        [
            Person(
                family_names="Verdi",
                given_names="Luca",
                search_name="verdi luca",
                registered_by=rossi.registered_by,
            )
        ]
    )
    Person.objects.filter(pk=bianchi.pk).delete()
    assert search_table() == person_table()
    assert bianchi.pk not in search_table()
    assert sorted(search_table().values()) == ["rossini mario", "verdi luca"]


def test_copy_fires_the_trigger_too() -> None:
    """The synthetic loader writes persons with COPY: a person copied in is in the table."""
    model = PersonFactory(family_names="Neri", given_names="Ada")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = "
            "'people_person' AND is_generated = 'NEVER' ORDER BY ordinal_position"
        )
        columns = [row[0] for row in cursor.fetchall()]
        listed = ", ".join(columns)
        cursor.execute("SELECT max(id) + 1 FROM people_person")
        (new_id,) = cursor.fetchone()
        cursor.execute(f"SELECT {listed} FROM people_person WHERE id = %s", [model.pk])
        row = dict(zip(columns, cursor.fetchone(), strict=True))
        row.update(id=new_id, search_name="neri adalgisa")
        with cursor.copy(f"COPY people_person ({listed}) FROM STDIN") as copy:
            copy.write_row([row[column] for column in columns])
    assert search_table()[new_id] == "neri adalgisa"
    assert search_table() == person_table()


def truncate(tables: str) -> None:
    # As the owner (the application may not truncate), after the deferred foreign-key checks of
    # the rows just written (PostgreSQL refuses to truncate a table with checks pending).
    with acting_as_owner(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {tables} CASCADE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def test_truncating_the_persons_empties_it_also_with_the_table_named() -> None:
    """Django's flush truncates every table in one statement: the trigger must not refuse it."""
    PersonFactory(family_names="Neri", given_names="Ada")
    truncate("people_person, people_personsearchname")
    assert search_table() == {}
    PersonFactory(family_names="Neri", given_names="Ada")
    truncate("people_person")
    assert search_table() == {}
