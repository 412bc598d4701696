"""Word-level name search: the words of each name on the search table (``words``, GIN index),
and the vocabulary of all name words, one row per word and key — the word and the word less
one letter (``PersonSearchWord``) —, both written by the trigger of migration 0015 extended
here.

The trigram whole-name condition (``search_name % query`` at 0.5) lost one-typo queries whose
typo falls in a short word ("Anna" → "Anma" leaves too few trigrams in common) and, being lossy
on common names, rechecked tens of thousands of rows per query at 1M persons. The search now
takes, for each query word, the vocabulary words one edit away (a key in common, looked up in
the vocabulary's primary key) and the
persons holding one of them for every query word: a BitmapAnd of small posting lists, no
recheck. The trigram index of the search table is then unused, and dropped.

Rebuilt here: the search table is refilled from the persons (faster than updating every row
and its indexes), then its index built, then the vocabulary filled from it.
"""

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
from django.db import migrations, models

FUNCTIONS = """
-- Twin of matching.vocabulary_words (pairs false) and matching.search_words (pairs true).
CREATE FUNCTION person_search_words(name text, pairs boolean) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    result text[] := '{}';
    carry text := '';
    previous text := NULL;
    word text;
BEGIN
    IF name IS NULL OR btrim(name) = '' THEN
        RETURN result;
    END IF;
    FOREACH word IN ARRAY regexp_split_to_array(btrim(name), ' +') LOOP
        result := result || word;
        IF pairs AND previous IS NOT NULL THEN
            result := result || (previous || word);
        END IF;
        previous := word;
        IF length(word) <= 2 THEN
            carry := carry || word;
        ELSE
            result := result || (carry || word);
            carry := '';
        END IF;
    END LOOP;
    IF carry <> '' THEN
        result := result || carry;
    END IF;
    RETURN ARRAY(SELECT DISTINCT w FROM unnest(result) w WHERE length(w) > 2 ORDER BY w);
END
$$;

-- Twin of matching.word_keys: the word and the word less any one letter.
CREATE FUNCTION person_search_word_keys(word text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ARRAY(
        SELECT DISTINCT k FROM (
            SELECT word AS k
            UNION ALL
            SELECT left(word, i - 1) || substr(word, i + 1) FROM generate_series(1, length(word)) i
        ) keys ORDER BY k
    )
$$;

CREATE OR REPLACE FUNCTION person_search_name_sync() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    new_words text[];
BEGIN
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.id <> NEW.id) THEN
        DELETE FROM people_personsearchname WHERE person_id = OLD.id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        new_words := person_search_words(NEW.search_name, true);
        INSERT INTO people_personsearchname (person_id, search_name, words)
        VALUES (NEW.id, NEW.search_name, new_words)
        ON CONFLICT (person_id) DO UPDATE
        SET search_name = EXCLUDED.search_name, words = EXCLUDED.words
        WHERE people_personsearchname.search_name IS DISTINCT FROM EXCLUDED.search_name;
        -- Insert-only, in word order (two writers never wait on each other crosswise): a word
        -- no one holds any longer matches nobody.
        INSERT INTO people_personsearchword (key, word)
        SELECT k, w
        FROM unnest(person_search_words(NEW.search_name, false)) w,
             unnest(person_search_word_keys(w)) k
        ORDER BY k, w
        ON CONFLICT (key, word) DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION person_search_name_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM people_personsearchname;
    DELETE FROM people_personsearchword;
    RETURN NULL;
END
$$;
"""

FUNCTIONS_DROP = """
CREATE OR REPLACE FUNCTION person_search_name_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.id <> NEW.id) THEN
        DELETE FROM people_personsearchname WHERE person_id = OLD.id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO people_personsearchname (person_id, search_name)
        VALUES (NEW.id, NEW.search_name)
        ON CONFLICT (person_id) DO UPDATE SET search_name = EXCLUDED.search_name
        WHERE people_personsearchname.search_name IS DISTINCT FROM EXCLUDED.search_name;
    END IF;
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION person_search_name_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM people_personsearchname;
    RETURN NULL;
END
$$;
DROP FUNCTION IF EXISTS person_search_word_keys(text);
DROP FUNCTION IF EXISTS person_search_words(text, boolean);
"""

# The column was added with its empty default: refilled whole, then indexed.
REFILL = """
DROP INDEX IF EXISTS person_search_table_trgm;
TRUNCATE people_personsearchname;
INSERT INTO people_personsearchname (person_id, search_name, words)
SELECT id, search_name, person_search_words(search_name, true) FROM people_person;
"""

VOCABULARY = """
INSERT INTO people_personsearchword (key, word)
SELECT unnest(person_search_word_keys(w)), w
FROM (SELECT DISTINCT unnest(person_search_words(search_name, false)) w
      FROM people_personsearchname) vocabulary;
"""

ANALYZE = "ANALYZE people_personsearchname; ANALYZE people_personsearchword;"


def trigram_index_restore(apps, schema_editor):
    """Backwards: migration 0015's trigram index, where pg_trgm is installed."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone() is not None:
            cursor.execute(
                "CREATE INDEX IF NOT EXISTS person_search_table_trgm ON people_personsearchname "
                "USING gin (search_name gin_trgm_ops)"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0015_person_search_table"),
    ]

    operations = [
        migrations.CreateModel(
            name="PersonSearchWord",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "key",
                        "word",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("key", models.TextField()),
                ("word", models.TextField()),
            ],
        ),
        migrations.AddField(
            model_name="personsearchname",
            name="words",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.TextField(), default=list, size=None
            ),
        ),
        migrations.RunSQL(FUNCTIONS, FUNCTIONS_DROP),
        migrations.RunSQL(REFILL, migrations.RunSQL.noop),
        migrations.RunPython(migrations.RunPython.noop, trigram_index_restore),
        migrations.AddIndex(
            model_name="personsearchname",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["words"], name="person_search_words"
            ),
        ),
        migrations.RunSQL(VOCABULARY, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="personsearchword",
            index=models.Index(
                condition=models.Q(("key", models.F("word"))),
                fields=["word"],
                name="person_search_word_prefix",
                opclasses=["text_pattern_ops"],
            ),
        ),
        migrations.RunSQL(ANALYZE, migrations.RunSQL.noop),
    ]
