"""Working-day arithmetic of the PUA's deadlines.

Every expected date is counted by hand on the calendar of that year; holidays per L. 260/1949
(as amended: 25 April, 1 May, 2 June, 15 August, 1 November, 8 December, 25-26 December,
1 and 6 January, Easter Monday) and L. 151/2025 (4 October national holiday from 2026); the
patron saint of Milan (Sant'Ambrogio, 7 December) only for the province MI. The first day is
not counted (c.c. art. 2963; c.p.c. art. 155 c.1); a calendar-day deadline that falls on a
non-working day moves to the next working day (c.p.c. art. 155 c.4-5).
"""

from __future__ import annotations

from datetime import date

import pytest

from integra.intake.calendar import (
    add_calendar_days,
    add_working_days,
    is_public_holiday,
    is_working_day,
)


@pytest.mark.parametrize(
    ("start", "days", "province", "expected", "why"),
    [
        # Fri 20/11/2026 + 3: Mon 23, Tue 24, Wed 25.
        (date(2026, 11, 20), 3, "", date(2026, 11, 25), "across a weekend"),
        # Mon 23/11/2026 + 3: Tue 24, Wed 25, Thu 26 (no weekend in between).
        (date(2026, 11, 23), 3, "", date(2026, 11, 26), "within one week"),
        # Thu 02/04/2026 + 3: Fri 3, [Sat 4, Easter Sun 5, Easter Mon 6], Tue 7, Wed 8.
        (date(2026, 4, 2), 3, "", date(2026, 4, 8), "Easter Monday"),
        # Thu 24/04/2025 + 1: [Fri 25 April, Liberation Day; weekend], Mon 28.
        (date(2025, 4, 24), 1, "", date(2025, 4, 28), "25 April"),
        # Wed 29/04/2026 + 3: Thu 30, [Fri 1 May], Mon 4, Tue 5.
        (date(2026, 4, 29), 3, "", date(2026, 5, 5), "1 May"),
        # Fri 29/05/2026 + 2: Mon 1 June, [Tue 2 June], Wed 3.
        (date(2026, 5, 29), 2, "", date(2026, 6, 3), "2 June"),
        # Thu 14/08/2025 + 1: [Fri 15 August; weekend], Mon 18.
        (date(2025, 8, 14), 1, "", date(2025, 8, 18), "15 August"),
        # Fri 01/10/2027 + 1: [weekend, Mon 4 October, St Francis from 2026], Tue 5.
        (date(2027, 10, 1), 1, "", date(2027, 10, 5), "4 October"),
        # Fri 29/10/2027 + 1: [weekend, Mon 1 November], Tue 2.
        (date(2027, 10, 29), 1, "", date(2027, 11, 2), "1 November"),
        # Fri 04/12/2026 + 3, nationally: Mon 7, [Tue 8 December], Wed 9, Thu 10.
        (date(2026, 12, 4), 3, "", date(2026, 12, 10), "8 December"),
        # Same in Milan: [Mon 7 Sant'Ambrogio, Tue 8], Wed 9, Thu 10, Fri 11.
        (date(2026, 12, 4), 3, "MI", date(2026, 12, 11), "Sant'Ambrogio in MI"),
        # Wed 23/12/2026 + 3: Thu 24, [Fri 25 Christmas; Sat 26, Sun 27], Mon 28, Tue 29.
        (date(2026, 12, 23), 3, "", date(2026, 12, 29), "Christmas"),
        # Wed 24/12/2025 + 1: [Thu 25 Christmas, Fri 26 Santo Stefano; weekend], Mon 29.
        (date(2025, 12, 24), 1, "", date(2025, 12, 29), "Christmas and Santo Stefano"),
        # Wed 30/12/2026 + 3: Thu 31, [Fri 1 Jan 2027; weekend], Mon 4, Tue 5.
        (date(2026, 12, 30), 3, "", date(2027, 1, 5), "year end"),
        # Wed 30/12/2026 + 4: ... Tue 5, [Wed 6 Epiphany], Thu 7.
        (date(2026, 12, 30), 4, "", date(2027, 1, 7), "year end and Epiphany"),
        # Saturday start: Sat 21/11/2026 + 1 = Mon 23.
        (date(2026, 11, 21), 1, "", date(2026, 11, 23), "start on a Saturday"),
        # Zero days: the start itself.
        (date(2026, 11, 21), 0, "", date(2026, 11, 21), "zero days"),
    ],
)
def test_add_working_days(start, days, province, expected, why) -> None:
    assert add_working_days(start, days, province=province) == expected, why


def test_closure_days_of_the_pua_are_skipped() -> None:
    # Fri 20/11/2026 + 3 with the office closed on Mon 23: Tue 24, Wed 25, Thu 26.
    assert add_working_days(date(2026, 11, 20), 3, closures=[date(2026, 11, 23)]) == date(
        2026, 11, 26
    )


def test_holidays_and_working_days() -> None:
    assert is_public_holiday(date(2026, 10, 4))  # L. 151/2025, from 2026
    assert not is_public_holiday(date(2025, 10, 4))
    assert is_public_holiday(date(2026, 12, 7), province="MI")
    assert not is_public_holiday(date(2026, 12, 7))
    assert not is_working_day(date(2026, 11, 21))  # Saturday
    assert is_working_day(date(2026, 11, 23))
    assert not is_working_day(date(2026, 11, 23), closures=[date(2026, 11, 23)])


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # Mon 23/11/2026 + 30 = Wed 23/12/2026, a working day.
        (date(2026, 11, 23), 30, date(2026, 12, 23)),
        # Thu 26/11/2026 + 30 = Sat 26/12/2026 (Santo Stefano) -> Mon 28/12/2026.
        (date(2026, 11, 26), 30, date(2026, 12, 28)),
        # Wed 02/12/2026 + 30 = Fri 01/01/2027 -> Mon 04/01/2027.
        (date(2026, 12, 2), 30, date(2027, 1, 4)),
    ],
)
def test_add_calendar_days_moves_off_non_working_days(start, days, expected) -> None:
    assert add_calendar_days(start, days) == expected


def test_negative_days_are_refused() -> None:
    with pytest.raises(ValueError):
        add_working_days(date(2026, 1, 1), -1)
