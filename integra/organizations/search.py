"""Accent- and case-insensitive name search that works on any PostgreSQL.

The embedded PostgreSQL has no ``unaccent`` extension, so the portable path is a stored,
generated column (``search_name``) built with core functions only: ``translate`` folds the
accented letters of Italian and neighbouring languages, ``lower`` folds case, and
``regexp_replace`` turns every other character (apostrophes, dashes, dots) into one space.
The query goes through :func:`normalize` — the same mapping in Python — so the two sides
always agree. Where the ``unaccent`` extension is installed, it is used as well, which also
covers letters outside the table.
"""

from __future__ import annotations

import re
import threading
import unicodedata

from django.db import connections
from django.db.models import CharField, Func, Q, Value
from django.db.models.functions import Lower, Trim
from django.db.models.lookups import Contains

# Upper- and lower-case letters folded by ``translate``; keep both strings the same length.
ACCENTED = "ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöøùúûüýÿČčĆćŠšŽžŁłŃńŚśŹźŻżŐőŰűȘșȚțĂă"
UNACCENTED = "AAAAAACEEEEIIIINOOOOOOUUUUYaaaaaaceeeeiiiinoooooouuuuyyCcCcSsZzLlNnSsZzZzOoUuSsTtAa"
assert len(ACCENTED) == len(UNACCENTED)

_NON_ALNUM = r"[^a-z0-9]+"
_TABLE = str.maketrans(ACCENTED, UNACCENTED)
_NON_ALNUM_RE = re.compile(_NON_ALNUM)


class Translate(Func):
    function = "TRANSLATE"
    arity = 3


class RegexpReplace(Func):
    function = "REGEXP_REPLACE"
    arity = 4


class Unaccent(Func):
    function = "UNACCENT"
    arity = 1


def _ascii_lower(text: str) -> str:
    # PostgreSQL's lower() under the C locale folds ASCII only; fold only ASCII here too.
    return "".join(ch.lower() if ch.isascii() else ch for ch in text)


def normalize(text: str) -> str:
    """The Python twin of :func:`search_expression`: accents and case folded, punctuation as
    single spaces. ``"Servizio per l'Inclusione"`` → ``"servizio per l inclusione"``."""
    folded = _ascii_lower(text.translate(_TABLE))
    return _NON_ALNUM_RE.sub(" ", folded).strip()


def normalize_decomposed(text: str) -> str:
    """Normalisation for the ``unaccent`` path: every combining mark dropped (NFKD)."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_ALNUM_RE.sub(" ", stripped.lower()).strip()


def search_expression(field_name: str) -> Func:
    """The database expression stored in ``search_name`` (immutable: usable in a generated
    column and in an index)."""
    return Trim(
        RegexpReplace(
            Lower(Translate(field_name, Value(ACCENTED), Value(UNACCENTED))),
            Value(_NON_ALNUM),
            Value(" "),
            Value("g"),
            output_field=CharField(),
        )
    )


def _unaccent_expression(field_name: str) -> Func:
    return RegexpReplace(
        Lower(Unaccent(field_name)),
        Value(_NON_ALNUM),
        Value(" "),
        Value("g"),
        output_field=CharField(),
    )


_extension_cache: dict[tuple[str, str], bool] = {}
_extension_lock = threading.Lock()


def extension_installed(name: str, *, using: str = "default") -> bool:
    """Whether ``name`` is installed in the database; asked once per database and cached."""
    connection = connections[using]
    key = (str(connection.settings_dict.get("NAME", "")), name)
    with _extension_lock:
        if key not in _extension_cache:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_extension WHERE extname = %s", [name])
                _extension_cache[key] = cursor.fetchone() is not None
        return _extension_cache[key]


def forget_extensions() -> None:
    """Drop the cached answers (after installing an extension, and in tests)."""
    with _extension_lock:
        _extension_cache.clear()


def name_matches(query: str, *, search_field: str = "search_name", name_field: str = "name") -> Q:
    """A filter matching rows whose name contains ``query``, ignoring case and accents.

    An empty query (after normalisation) matches everything.
    """
    needle = normalize(query)
    if not needle:
        return Q()
    condition = Q(**{f"{search_field}__contains": needle})
    if extension_installed("unaccent"):
        decomposed = normalize_decomposed(query)
        if decomposed:
            condition |= Q(Contains(_unaccent_expression(name_field), decomposed))
    return condition
