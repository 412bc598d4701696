from __future__ import annotations

import math
from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def whole_minutes(value: timedelta | None) -> int:
    """A duration in minutes, rounded up (a lockout of 14.5 minutes reads "15")."""
    if not isinstance(value, timedelta):
        return 0
    return math.ceil(value.total_seconds() / 60)
