"""Search keys on persons (portable typo-tolerant search) and, where the server offers it, the
``pg_trgm`` extension with a trigram index on ``search_name``.

The embedded PostgreSQL has no ``pg_trgm``: there the extension step does nothing and the search
uses ``search_keys`` alone (integra/people/matching.py chooses the path at run time).
"""

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
from django.db import DatabaseError, migrations, models, transaction

TRIGRAM_INDEX = "person_search_name_trgm"


def _available(cursor, name):
    cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = %s", [name])
    return cursor.fetchone() is not None


def _installed(cursor, name):
    cursor.execute("SELECT 1 FROM pg_extension WHERE extname = %s", [name])
    return cursor.fetchone() is not None


def trigram_index_create(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if not _installed(cursor, "pg_trgm"):
            if not _available(cursor, "pg_trgm"):
                return
            try:
                # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may add it.
                with transaction.atomic(using=connection.alias):
                    cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            except DatabaseError:
                return  # not allowed here: the portable path is used
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON people_person "
            "USING gin (search_name gin_trgm_ops)"
        )
    from integra.organizations.search import forget_extensions

    forget_extensions()


def trigram_index_drop(apps, schema_editor):
    # The extension stays: other apps may use it.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


def search_keys_fill(apps, schema_editor):
    from integra.people.matching import name_keys

    Person = apps.get_model("people", "Person")
    batch = []
    for person in Person.objects.only("pk", "family_names", "given_names").iterator():
        person.search_keys = name_keys(person.family_names, person.given_names)
        batch.append(person)
        if len(batch) >= 500:
            Person.objects.bulk_update(batch, ["search_keys"])
            batch = []
    if batch:
        Person.objects.bulk_update(batch, ["search_keys"])


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0001_person_identifier_care_relationship"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="search_keys",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.CharField(max_length=4),
                blank=True,
                default=list,
                editable=False,
                size=None,
                verbose_name="chiavi di ricerca",
            ),
        ),
        migrations.AddIndex(
            model_name="person",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["search_keys"], name="person_search_keys"
            ),
        ),
        migrations.RunPython(search_keys_fill, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(trigram_index_create, trigram_index_drop),
    ]
