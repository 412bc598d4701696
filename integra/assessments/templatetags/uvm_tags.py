"""Template filters of the UVM pages and minutes."""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import timezone
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


@register.filter
def moment(value: object) -> object:
    """An ISO date-time stored as text (a session's reschedules) as dd/mm/yyyy HH:MM, local."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), "d/m/Y H:i")
    return value
