"""Template tags that name assessment instruments in words on other apps' pages."""

from __future__ import annotations

from django import template

from integra.assessments.selectors import instrument_version_words

register = template.Library()


@register.simple_tag
def instrument_label(code: str, version: str) -> str:
    """``{% instrument_label "pua_triage" "2026.1" %}`` → "Scheda di pre-valutazione PUA
    (triage), versione 2026.1" (one query)."""
    return instrument_version_words(code=code or "", version=version or "")
