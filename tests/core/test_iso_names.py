"""Countries and languages by name (integra/core/iso_names.py; names from Debian iso-codes)."""

from __future__ import annotations

from django.template import Context, Template

from integra.core import iso_names


def test_names_of_codes() -> None:
    assert iso_names.country_names(["IT", "MA"]) == "Italia, Marocco"
    assert iso_names.language_names(["it", "ar", "fr"]) == "italiano, arabo, francese"
    # The common name, not the official long form ("Bolivia, Stato Plurinazionale della").
    assert iso_names.country_name("BO") == "Bolivia"
    # The first of a language's names ("spagnolo; castigliano" in the standard).
    assert iso_names.language_name("es") == "spagnolo"
    # Codes are matched whatever the case; an unknown code is shown as it is.
    assert iso_names.country_name("ma") == "Marocco"
    assert iso_names.country_name("XK") == "XK"


def test_choices_are_in_the_order_of_the_names() -> None:
    countries = iso_names.country_choices()
    assert len(countries) == 249
    names = [name for _code, name in countries]
    assert names == sorted(names, key=str.casefold)
    assert ("IT", "Italia") in countries
    assert len(iso_names.language_choices()) == 184


def test_template_filters() -> None:
    template = Template(
        "{% load core_names %}{{ c|country_names }} · {{ l|language_names }} · {{ t|country_name }}"
    )
    text = template.render(Context({"c": ["SN"], "l": ["wo", "fr"], "t": "FR"}))
    assert text == "Senegal · volof, francese · Francia"
