"""Working days for the PUA's deadlines.

A working day is Monday to Friday that is neither an Italian public holiday (L. 260/1949 and
later acts, as computed by the pinned ``holidays`` library: Easter Monday, 25 April, 1 May,
2 June, 15 August, 4 October from 2026 (L. 151/2025), 1 November, 8 December, 25-26 December…),
nor the patron saint of the PUA's province when given (e.g. Sant'Ambrogio, 7 December, in MI),
nor one of the PUA's own closure days. Counting starts the day after the start date, as for
terms in days (c.c. art. 2963; c.p.c. art. 155 c.1: the first day is not counted).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

import holidays

# Far more than any configured deadline: a guard against an endless loop on bad closures.
_MAX_SCAN_DAYS = 3660


@lru_cache(maxsize=64)
def _public_holidays(province: str, year: int) -> frozenset[date]:
    calendar = holidays.Italy(subdiv=province or None, years=year)
    return frozenset(calendar.keys())


def is_public_holiday(day: date, *, province: str = "") -> bool:
    return day in _public_holidays(province, day.year)


def is_working_day(day: date, *, province: str = "", closures: Iterable[date] = ()) -> bool:
    """Monday to Friday, not a public holiday (national or of ``province``), not a closure."""
    if day.weekday() >= 5:
        return False
    if is_public_holiday(day, province=province):
        return False
    return day not in set(closures)


def add_working_days(
    start: date, days: int, *, province: str = "", closures: Iterable[date] = ()
) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself is not counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    closed = frozenset(closures)
    day = start
    counted = 0
    for _ in range(_MAX_SCAN_DAYS):
        if counted == days:
            return day
        day += timedelta(days=1)
        if is_working_day(day, province=province, closures=closed):
            counted += 1
    raise ValueError("no working day found: check the closure days")


def next_working_day_on_or_after(
    day: date, *, province: str = "", closures: Iterable[date] = ()
) -> date:
    """``day`` if it is a working day, else the first working day after it."""
    closed = frozenset(closures)
    for _ in range(_MAX_SCAN_DAYS):
        if is_working_day(day, province=province, closures=closed):
            return day
        day += timedelta(days=1)
    raise ValueError("no working day found: check the closure days")


def add_calendar_days(
    start: date, days: int, *, province: str = "", closures: Iterable[date] = ()
) -> date:
    """``start`` + ``days``; a deadline that falls on a non-working day moves to the next
    working day (c.p.c. art. 155 c.4-5, applied here to the offices' closing days)."""
    if days < 0:
        raise ValueError("days must not be negative")
    return next_working_day_on_or_after(
        start + timedelta(days=days), province=province, closures=closures
    )
