"""Italian names of countries (ISO 3166-1 alpha-2) and languages (ISO 639-1), for pages.

The records and the API keep the codes; pages show the names and the forms offer them in a list.
The names come from ``data/iso_names_it.json`` (see ``data/README.md`` for the source).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path

_DATA = Path(__file__).resolve().parent / "data" / "iso_names_it.json"


@cache
def _names() -> dict[str, dict[str, str]]:
    data = json.loads(_DATA.read_text(encoding="utf-8"))
    return {"countries": data["countries"], "languages": data["languages"]}


def countries() -> dict[str, str]:
    """``{"IT": "Italia", "MA": "Marocco", …}``."""
    return _names()["countries"]


def languages() -> dict[str, str]:
    """``{"it": "italiano", "ar": "arabo", …}``."""
    return _names()["languages"]


def country_name(code: str) -> str:
    """The Italian name of a country code; an unknown code is given back as it is."""
    return countries().get(code.upper(), code)


def language_name(code: str) -> str:
    """The Italian name of a language code; an unknown code is given back as it is."""
    return languages().get(code.lower(), code)


def country_names(codes: Iterable[str]) -> str:
    """``["IT", "MA"]`` → ``"Italia, Marocco"``."""
    return ", ".join(country_name(code) for code in codes)


def language_names(codes: Iterable[str]) -> str:
    """``["it", "ar"]`` → ``"italiano, arabo"``."""
    return ", ".join(language_name(code) for code in codes)


def _by_name(names: dict[str, str]) -> list[tuple[str, str]]:
    return sorted(names.items(), key=lambda item: item[1].casefold())


def country_choices() -> list[tuple[str, str]]:
    """(code, name) pairs in the order of the names, for a select."""
    return _by_name(countries())


def language_choices() -> list[tuple[str, str]]:
    return _by_name(languages())
