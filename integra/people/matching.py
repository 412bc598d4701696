"""Finding a person by name or code, and recognising a person already registered.

Names are compared after :func:`integra.organizations.search.normalize` (accents and case
folded, apostrophes and dashes as spaces), so "Nicolò" = "NICOLO" and "D'Angelo" = "D Angelo";
particles of one or two letters are also joined to the next word ("d angelo" → "dangelo") so
that "DANGELO" matches too. Typos are measured with the optimal string alignment distance
(Damerau-Levenshtein where a transposition counts one: "Giuseppe"/"Guiseppe" differ by one),
computed by rapidfuzz.

Candidates come from the database in one query, by one of two paths chosen once per process:

- **words** (the server PostgreSQL, where ``pg_trgm`` is installed by migration 0002): each
  query word one edit (two for a long word) from a word of the name, in any order, found through
  the vocabulary of name words and the words of each name on the search table (migration 0016,
  :func:`name_words_filter`), ordered by trigram similarity of the whole name;
- **portable** (the embedded PostgreSQL, without ``pg_trgm``): the keys stored on the person in
  ``search_keys`` (GIN index on the array, core PostgreSQL) — the first three and the last three
  letters of every word — so that a single typo leaves at least one key in common.

Either way the candidates are ranked here, in Python, with the same scoring: both paths give the
same scores, they differ in the candidates they find.
"""

from __future__ import annotations

import functools
import itertools
import re
import string
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from rapidfuzz.distance import OSA

from integra.organizations.search import extension_installed, normalize
from integra.people.identifiers import (
    CF_LENGTH,
    MONTH_LETTERS,
    NUMERIC_POSITIONS,
    OMOCODIA_LETTERS,
    IdentifierKind,
    check_identifier,
    fiscal_code_check_character,
    normalise,
)

# Particles shorter than this are joined to the next word ("d angelo", "di maio").
_PARTICLE_MAX = 2
_KEY_LENGTH = 3
# Rows read to rank (ids, names and birth dates only): far more than any screen shows. With
# pg_trgm the database already orders them by trigram similarity, so fewer are needed.
CANDIDATE_CAP = 500
TRIGRAM_CANDIDATE_CAP = 100
# pg_trgm's similarity threshold the search's `%` used (the default is 0.3) before the word
# search (migration 0016) replaced it; kept for bench/people_search_table.py. The duplicate
# check keeps the default, wider net.
SEARCH_TRIGRAM_THRESHOLD = 0.5
# Below this a name is not shown as a search result.
SEARCH_MIN_SCORE = 0.75
# Below this two names are not "similar" for the duplicate check.
SIMILAR_NAME_MIN = 0.75
DEFAULT_DUPLICATE_THRESHOLD = 0.85
# The beginning of a codice fiscale finds a person from this many characters on (the six
# letters of family and given names), and a phone number from this many digits on: fewer
# would list half the registry.
CODE_PREFIX_MIN = 6
PHONE_MIN_DIGITS = 6


class MatchReason:
    """Stable codes of why a person matches (clients branch on them; never translated)."""

    SAME_CODE = "same_code"
    CODE_PREFIX = "code_prefix"
    SAME_PHONE = "same_phone"
    OMOCODIC_CODE = "omocodic_code"
    NAME_EXACT = "name_exact"
    NAME_SIMILAR = "name_similar"
    NAMES_SWAPPED = "names_swapped"
    SAME_BIRTH_DATE = "same_birth_date"
    SAME_BIRTH_YEAR = "same_birth_year"
    SAME_NAME_AND_BIRTH_DATE = "same_name_and_birth_date"
    SIMILAR_NAME_SAME_BIRTH = "similar_name_same_birth_date_and_place"
    SIMILAR_NAME_SAME_BIRTH_DATE = "similar_name_same_birth_date"
    SAME_NAME = "same_name"
    DIFFERENT_CODES = "different_codes"


def duplicate_threshold() -> float:
    return float(getattr(settings, "PEOPLE_DUPLICATE_THRESHOLD", DEFAULT_DUPLICATE_THRESHOLD))


def trigram_enabled() -> bool:
    """Whether ``pg_trgm`` is installed: asked once per database, then cached."""
    return extension_installed("pg_trgm")


# --- strings ----------------------------------------------------------------------------------


def osa_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
    adjacent letters each cost one (rapidfuzz's, in C: the ranking computes it for every word of
    every candidate)."""
    return int(OSA.distance(a, b))


def similarity(a: str, b: str) -> float:
    """1 − distance / length of the longer string: 1 for equal strings, 0 for nothing shared."""
    if not a and not b:
        return 1.0
    return 1.0 - osa_distance(a, b) / max(len(a), len(b))


def _words(text: str) -> list[str]:
    return normalize(text).split()


def _join_particles(words: list[str]) -> list[str]:
    """``["d", "angelo", "maria"]`` → ``["dangelo", "maria"]``."""
    joined: list[str] = []
    carry = ""
    for word in words:
        if len(word) <= _PARTICLE_MAX:
            carry += word
            continue
        joined.append(carry + word)
        carry = ""
    if carry:
        joined.append(carry)
    return joined


def _word_variants(text: str) -> set[str]:
    words = _words(text)
    return {*words, *_join_particles(words), *(a + b for a, b in itertools.pairwise(words))}


def name_keys(family_names: str, given_names: str = "") -> list[str]:
    """The keys stored in ``Person.search_keys``: first three letters (``"ros"``) and last three
    (``"-ssi"``) of every word, of every particle joined to its word, of every pair of words."""
    keys: set[str] = set()
    for word in _word_variants(f"{family_names} {given_names}"):
        if len(word) <= _PARTICLE_MAX:
            continue
        keys.add(word[:_KEY_LENGTH])
        keys.add("-" + word[-_KEY_LENGTH:])
    return sorted(keys)


def vocabulary_words(search_name: str) -> list[str]:
    """The words of a normalised name that go into the vocabulary (``PersonSearchWord``):
    each word longer than a particle and each word with its particles joined
    (``"di maio anna"`` → ``["anna", "dimaio", "maio"]``). The Python twin of the SQL function
    ``person_search_words(name, false)`` (migration 0016)."""
    words = search_name.split()
    return sorted({w for w in (*words, *_join_particles(words)) if len(w) > _PARTICLE_MAX})


def search_words(search_name: str) -> list[str]:
    """The words a person's name is found by (``PersonSearchName.words``): the vocabulary words
    and every two adjacent words joined (``"rossi maria grazia"`` → ``[..., "mariagrazia",
    "rossimaria"]``), so that a query writing them as one word finds them. The twin of
    ``person_search_words(name, true)``."""
    words = search_name.split()
    pairs = (a + b for a, b in itertools.pairwise(words))
    return sorted({*vocabulary_words(search_name), *(p for p in pairs if len(p) > _PARTICLE_MAX)})


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def word_keys(word: str) -> list[str]:
    """A vocabulary word's keys: itself and itself less any one letter. Two words one edit apart
    (OSA: insertion, deletion, substitution, swap of adjacent letters) share a key. The twin of
    the SQL function ``person_search_word_keys``."""
    return sorted({word, *_deletions(word)})


# From this length a query word also finds the words two edits away (two letters deleted:
# two deletions, or a deletion with a substitution or swap — not two substitutions).
QUERY_TWO_EDITS_FROM = 8


def query_word_keys(word: str) -> list[str]:
    """The keys that find the vocabulary words near a query word: its own keys, and for a long
    word the word less any two letters."""
    keys = {word, *_deletions(word)}
    if len(word) >= QUERY_TWO_EDITS_FROM:
        keys.update(*(_deletions(k) for k in _deletions(word)))
    return sorted(keys)


def query_words(text: str) -> list[str]:
    """The words of a search text that must each be matched: particles joined to the next word,
    and only words longer than a particle (a lone initial constrains nothing)."""
    return [w for w in _join_particles(_words(text)) if len(w) > _PARTICLE_MAX]


def _compact(text: str) -> str:
    return normalize(text).replace(" ", "")


def _token_score(query_words: tuple[str, ...], candidates: frozenset[str]) -> float:
    """Mean of each query word's best similarity to a word of the person, weighted by length."""
    total = sum(len(w) for w in query_words)
    if not total or not candidates:
        return 0.0
    return sum(len(w) * max(similarity(w, c) for c in candidates) for w in query_words) / total


@functools.lru_cache(maxsize=16384)
def _name_forms(family_names: str, given_names: str) -> tuple[str, str, frozenset[str]]:
    """A person's names compacted both ways round, and their word variants: the ranking reads
    them for every candidate, and names repeat (cached)."""
    return (
        _compact(f"{family_names} {given_names}"),
        _compact(f"{given_names} {family_names}"),
        frozenset(_word_variants(f"{family_names} {given_names}")),
    )


@functools.lru_cache(maxsize=256)
def _query_forms(query: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """A search text compacted, its words, its words with particles joined."""
    words = _words(query)
    return _compact(query), tuple(words), tuple(_join_particles(words))


def search_score(query: str, *, family_names: str, given_names: str) -> tuple[float, list[str]]:
    """How well a search text matches a person's names, and why (0-1)."""
    straight, swapped, variants = _name_forms(family_names, given_names)
    compact_query, words, joined = _query_forms(query)
    full_straight = similarity(compact_query, straight)
    full_swapped = similarity(compact_query, swapped)
    tokens = max(_token_score(words, variants), _token_score(joined, variants))
    score = max(full_straight, full_swapped, tokens)
    reasons: list[str] = []
    if score >= 1.0:
        reasons.append(MatchReason.NAME_EXACT)
    else:
        reasons.append(MatchReason.NAME_SIMILAR)
    if full_swapped > full_straight and full_swapped >= score:
        reasons.append(MatchReason.NAMES_SWAPPED)
    return round(score, 3), reasons


def name_similarity(family_a: str, given_a: str, family_b: str, given_b: str) -> tuple[float, bool]:
    """Similarity of two persons' names, family with family and given with given (or crossed,
    for names entered the wrong way round); returns the score and whether crossed won."""
    fa, ga, fb, gb = (_compact(x) for x in (family_a, given_a, family_b, given_b))
    straight = (similarity(fa, fb) + similarity(ga, gb)) / 2
    crossed = (similarity(fa, gb) + similarity(ga, fb)) / 2
    return (max(straight, crossed), crossed > straight)


# --- codes ------------------------------------------------------------------------------------


def looks_like_code(query: str) -> bool:
    """A search text is a code when it has a digit and the shape of one (names have none)."""
    code = normalise(query)
    return any(ch.isdigit() for ch in code) and check_identifier(code).kind is not None


# What each position of a codice fiscale may hold (DM 23/12/1976): letters for the names, a
# digit or its omocodic letter for the numbers, a month letter, a letter for the place and the
# check character.
_DIGIT_OR_OMOCODIC = string.digits + OMOCODIA_LETTERS
_CF_POSITIONS = (
    *[string.ascii_uppercase] * 6,
    _DIGIT_OR_OMOCODIC,
    _DIGIT_OR_OMOCODIC,
    MONTH_LETTERS,
    _DIGIT_OR_OMOCODIC,
    _DIGIT_OR_OMOCODIC,
    string.ascii_uppercase,
    _DIGIT_OR_OMOCODIC,
    _DIGIT_OR_OMOCODIC,
    _DIGIT_OR_OMOCODIC,
)


def code_prefix(query: str) -> str:
    """The beginning of a codice fiscale written in ``query`` (``"rss mra 80a"`` →
    ``"RSSMRA80A"``), or ``""`` when it is not one: from ``CODE_PREFIX_MIN`` characters to one
    short of the whole code (a whole code is looked up exactly), each of the right kind for its
    position."""
    code = normalise(query)
    if not CODE_PREFIX_MIN <= len(code) < CF_LENGTH:
        return ""
    if all(char in allowed for char, allowed in zip(code, _CF_POSITIONS, strict=False)):
        return code
    return ""


_ITALIAN_PREFIX = re.compile(r"^\s*(\+|00)\s*39")
_PHONE_CHARACTERS = re.compile(r"^\+?[0-9 ./()-]+$")


def phone_digits(text: str) -> str:
    """A phone number as ``Person.search_phone`` holds it: the Italian prefix written as +39 or
    0039 dropped, then only the digits (``"+39 333-123 4567"`` → ``"3331234567"``)."""
    return re.sub(r"[^0-9]", "", _ITALIAN_PREFIX.sub("", text))


def looks_like_phone(query: str) -> str:
    """The digits of ``query`` when it is written as a phone number (digits, spaces, dots,
    dashes, slashes, brackets, a leading +) of at least ``PHONE_MIN_DIGITS`` digits, else ``""``."""
    if not _PHONE_CHARACTERS.match(query.strip()):
        return ""
    digits = phone_digits(query)
    return digits if len(digits) >= PHONE_MIN_DIGITS else ""


def fiscal_code_forms(code: str) -> set[str]:
    """A codice fiscale and every omocodic form of it (DM 23/12/1976: digits replaced by
    LMNPQRSTUV from the right, the check character recomputed), all eight written the same way
    once decoded. A code that is not a well-formed codice fiscale gives just itself."""
    norm = normalise(code)
    report = check_identifier(norm)
    if report.kind != IdentifierKind.CF or report.fiscal_code is None or len(norm) != CF_LENGTH:
        return {norm}
    base = report.fiscal_code.omocodia_normalised or norm
    if any(not base[p].isdigit() for p in NUMERIC_POSITIONS):
        return {norm}
    forms = {norm, base}
    chars = list(base[:15])
    for position in reversed(NUMERIC_POSITIONS):
        chars[position] = OMOCODIA_LETTERS[int(chars[position])]
        body = "".join(chars)
        forms.add(body + fiscal_code_check_character(body))
    return forms


# --- candidates -------------------------------------------------------------------------------


def name_candidates_filter(text: str) -> Q:
    """Persons that may match ``text``; an empty condition matches nothing.

    With ``pg_trgm``: the whole normalised name similar by trigrams (``%``, which the GIN index
    answers; the word order does not matter, so swapped names are found), or for a single word
    a name holding a similar word (``<%``). Without it: a key in common (``name_keys``).
    """
    if trigram_enabled():
        words = _words(text)
        if not any(len(word) > _PARTICLE_MAX for word in words):
            return Q(pk__in=[])
        if len(words) == 1:
            return Q(search_name__trigram_word_similar=words[0])
        return Q(search_name__trigram_similar=" ".join(words))
    keys = name_keys(text)
    return Q(search_keys__overlap=keys) if keys else Q(pk__in=[])


# One query word matched: the person holds a vocabulary word sharing a key with it (one edit
# away), or the word itself or it joined with a neighbour (a pair the person holds as one word,
# or holds apart: ``PersonSearchName.words`` has both). The vocabulary's words come from its
# primary key's index (one probe per key); uncorrelated, each array is computed once, and the
# GIN index on ``words`` answers each condition with the posting lists of its words.
_WORD_MATCHED = (
    "words && (ARRAY(SELECT word FROM people_personsearchword WHERE key = ANY(%s::text[]))"
    " || %s::text[])"
)
# The same, or a word that begins with the query word (a name being typed, or shortened:
# "Rossi Mar" finds Rossi Mario, score 0.85), from two words on (alone, a beginning scores
# under SEARCH_MIN_SCORE unless one edit away, and would read a large part of the registry).
_WORD_OR_BEGINNING_MATCHED = (
    "words && (ARRAY(SELECT word FROM people_personsearchword WHERE key = ANY(%s::text[])"
    " UNION ALL SELECT word FROM people_personsearchword WHERE key = word AND word LIKE %s)"
    " || %s::text[])"
)


def name_words_filter(text: str) -> Q | RawSQL:
    """Rows of the search table (``PersonSearchName``) that may match ``text``, word by word:
    every query word matched (any order, so swapped names too), or all but one when the query
    has three words or more (a second given name the registry does not hold); from two words a
    word may also be the beginning of the person's. An empty condition matches nothing."""
    words = query_words(text)
    if not words:
        return Q(pk__in=[])
    conditions: list[tuple[str, list[object]]] = []
    for index, word in enumerate(words):
        literal = [word]
        if index:
            literal.append(words[index - 1] + word)
        if index + 1 < len(words):
            literal.append(word + words[index + 1])
        if len(words) == 1:
            conditions.append((_WORD_MATCHED, [query_word_keys(word), literal]))
        else:
            beginning = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            conditions.append(
                (_WORD_OR_BEGINNING_MATCHED, [query_word_keys(word), beginning, literal])
            )
    if len(words) < 3:
        groups = [conditions]
    else:
        groups = [conditions[:skip] + conditions[skip + 1 :] for skip in range(len(words))]
    sql = " OR ".join("(" + " AND ".join(c for c, _ in group) + ")" for group in groups)
    params = [p for group in groups for _, ps in group for p in ps]
    # The words go as query parameters, never into the SQL text.
    return RawSQL(sql, params, output_field=BooleanField())  # noqa: S611


# --- results ----------------------------------------------------------------------------------


@dataclass
class PersonMatch:
    """A person found by a search: the record (scoped), a score in 0-1 and why.

    ``person`` is ``None`` (``limited``) when the actor may not read the record's content
    (no sharing consent): the match says only that the person is known and whom to contact.
    """

    person: Any
    score: float
    reasons: list[str] = field(default_factory=list)
    person_id: int | None = None
    limited: bool = False
    contact: Any = None


@dataclass
class DuplicateCandidate:
    """A person who may be the one being registered. ``person`` (and ``score``, ``reasons``)
    only when the actor may read the record; ``ref`` is the limited reference of a person the
    actor may only know of; otherwise nothing but that someone like this is registered (ask
    the PUA)."""

    score: float | None
    reasons: list[str]
    visible: bool
    person: Any = None
    certain: bool = False
    ref: Any = None


class PossibleDuplicate(Exception):
    """Registration refused: the person seems already registered (``candidates`` at or above the
    threshold). Repeat with ``confirm_new_person_reason`` to register anyway."""

    code = "possible_duplicate"

    def __init__(self, candidates: list[DuplicateCandidate]) -> None:
        self.candidates = candidates
        super().__init__(self.code)
