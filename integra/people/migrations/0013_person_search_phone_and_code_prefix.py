# The search by phone number and by the beginning of a codice fiscale. The registry grows to
# millions of rows: the indexes are built without locking writers out (so the migration is not
# atomic). Adding the stored generated column rewrites the person table once.

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("core", "0003_history_append_only"),
        ("organizations", "0003_history_append_only"),
        ("people", "0012_concealmentdecisionevent_append_only_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="search_phone",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.Func(
                    models.Func(
                        models.F("phone"),
                        models.Value("^[[:space:]]*(\\+|00)[[:space:]]*39"),
                        models.Value(""),
                        function="regexp_replace",
                    ),
                    models.Value("[^0-9]"),
                    models.Value(""),
                    models.Value("g"),
                    function="regexp_replace",
                    output_field=models.CharField(),
                ),
                output_field=models.CharField(max_length=40),
                verbose_name="telefono normalizzato",
            ),
        ),
        AddIndexConcurrently(
            model_name="person",
            index=models.Index(fields=["search_phone"], name="person_search_phone"),
        ),
        AddIndexConcurrently(
            model_name="personidentifier",
            index=models.Index(
                fields=["value"],
                name="person_identifier_value_prefix",
                opclasses=["varchar_pattern_ops"],
            ),
        ),
    ]
