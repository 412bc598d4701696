"""Template filters of the UVM pages and minutes."""

from __future__ import annotations

from datetime import date

from django import template
from django.utils.formats import date_format

register = template.Library()


@register.filter
def day(value: object) -> object:
    """A date, or an ISO date stored as text in the JSON results ("2026-11-25"), as dd/mm/yyyy;
    any other value is shown unchanged."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, date):
        return date_format(value, "d/m/Y")
    return value
