"""Filters that turn the codes stored in a record into the words a page shows."""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from integra.core import iso_names

register = template.Library()


@register.filter
def country_names(codes: Iterable[str] | None) -> str:
    """``["IT", "MA"]`` → ``"Italia, Marocco"``."""
    return iso_names.country_names(codes or [])


@register.filter
def language_names(codes: Iterable[str] | None) -> str:
    """``["it", "ar"]`` → ``"italiano, arabo"``."""
    return iso_names.language_names(codes or [])


@register.filter
def country_name(code: str | None) -> str:
    """``"FR"`` → ``"Francia"``."""
    return iso_names.country_name(code or "")
