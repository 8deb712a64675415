"""English working days: weekends and England's bank holidays, counted by hand below."""

from __future__ import annotations

import datetime as dt

import pytest

from riskgate.domain.calendar import (
    add_months,
    add_working_days,
    is_working_day,
    next_working_day,
    working_days_between,
)

D = dt.date


def test_twenty_working_days_across_christmas_and_new_year_2009() -> None:
    # From Thu 10 Dec 2009. Fri 11 = 1; Mon 14 - Fri 18 = 2-6; Mon 21 - Thu 24 = 7-10;
    # Fri 25 Christmas Day; Sat 26 Boxing Day falls on a weekend, so Mon 28 is the
    # substitute bank holiday; Tue 29 - Thu 31 = 11-13; Fri 1 Jan 2010 New Year's Day;
    # Mon 4 - Fri 8 Jan = 14-18; Mon 11 = 19; Tue 12 Jan 2010 = 20.
    assert add_working_days(D(2009, 12, 10), 20) == D(2010, 1, 12)
    assert not is_working_day(D(2009, 12, 25))
    assert not is_working_day(D(2009, 12, 28))
    assert not is_working_day(D(2010, 1, 1))
    assert is_working_day(D(2009, 12, 29))


def test_twenty_working_days_across_easter_2010() -> None:
    # From Thu 25 Mar 2010. Fri 26 = 1; Mon 29 - Wed 31 = 2-4; Thu 1 Apr = 5;
    # Good Friday 2 Apr and Easter Monday 5 Apr skipped; Tue 6 - Fri 9 = 6-9;
    # 12-16 Apr = 10-14; 19-23 Apr = 15-19; Mon 26 Apr 2010 = 20.
    assert add_working_days(D(2010, 3, 25), 20) == D(2010, 4, 26)
    assert not is_working_day(D(2010, 4, 2))
    assert not is_working_day(D(2010, 4, 5))


def test_the_late_may_bank_holiday() -> None:
    # From Thu 27 May 2010: Fri 28 = 1; Mon 31 May is the spring bank holiday;
    # Tue 1 - Fri 4 Jun = 2-5.
    assert add_working_days(D(2010, 5, 27), 5) == D(2010, 6, 4)
    assert not is_working_day(D(2010, 5, 31))
    # The early May bank holiday too: from Fri 30 Apr 2010, Mon 3 May is skipped.
    assert add_working_days(D(2010, 4, 30), 1) == D(2010, 5, 4)


def test_a_year_end_when_boxing_day_is_a_saturday() -> None:
    # 2020: Fri 25 Dec Christmas; Sat 26 Boxing Day, substitute Mon 28; Fri 1 Jan 2021.
    # From Fri 18 Dec: Mon 21 - Thu 24 = 1-4; Tue 29 - Thu 31 = 5-7; Mon 4 - Wed 6 Jan = 8-10.
    assert add_working_days(D(2020, 12, 18), 10) == D(2021, 1, 6)
    assert [d for d in _days(D(2020, 12, 24), D(2021, 1, 5)) if not is_working_day(d)] == [
        D(2020, 12, 25),
        D(2020, 12, 26),
        D(2020, 12, 27),
        D(2020, 12, 28),
        D(2021, 1, 1),
        D(2021, 1, 2),
        D(2021, 1, 3),
    ]


def test_a_year_end_when_christmas_and_new_year_fall_at_weekends() -> None:
    # 2021: Sat 25 and Sun 26 Dec, so Mon 27 and Tue 28 are the substitutes;
    # Sat 1 Jan 2022, so Mon 3 Jan is the substitute.
    # From Thu 23 Dec 2021: Fri 24 = 1; Wed 29 = 2; Thu 30 = 3.
    assert add_working_days(D(2021, 12, 23), 3) == D(2021, 12, 30)
    # From Fri 31 Dec 2021: Sat, Sun, and Mon 3 Jan skipped; Tue 4 Jan 2022 = 1.
    assert add_working_days(D(2021, 12, 31), 1) == D(2022, 1, 4)
    assert next_working_day(D(2022, 1, 1)) == D(2022, 1, 4)


def test_the_state_funeral_of_2022() -> None:
    # Mon 19 Sep 2022 was a one-off bank holiday: from Fri 16 Sep, 1 working day is Tue 20.
    assert not is_working_day(D(2022, 9, 19))
    assert add_working_days(D(2022, 9, 16), 1) == D(2022, 9, 20)
    assert next_working_day(D(2022, 9, 17)) == D(2022, 9, 20)


def test_the_start_day_is_not_counted_and_zero_days_is_the_same_day() -> None:
    # From a Saturday, the first working day is the Monday.
    assert add_working_days(D(2010, 1, 9), 1) == D(2010, 1, 11)
    assert add_working_days(D(2010, 1, 9), 0) == D(2010, 1, 9)
    with pytest.raises(ValueError):
        add_working_days(D(2010, 1, 9), -1)


def test_working_days_between_is_the_inverse_of_adding() -> None:
    # Christmas 2009 again: 20 working days from 10 Dec 2009 to 12 Jan 2010.
    assert working_days_between(D(2009, 12, 10), D(2010, 1, 12)) == 20
    # Fri 24 Dec 2009 to Tue 29 Dec: only Tue 29 counts (25, 26, 27, 28 are not working days).
    assert working_days_between(D(2009, 12, 24), D(2009, 12, 29)) == 1
    assert working_days_between(D(2010, 1, 12), D(2009, 12, 10)) == 0
    for start in _days(D(2009, 12, 1), D(2010, 1, 31)):
        assert working_days_between(start, add_working_days(start, 20)) == 20


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2010, 1, 31), 1, D(2010, 2, 28)),  # no 31 Feb: clamped to the month's last day
        (D(2012, 1, 31), 1, D(2012, 2, 29)),  # a leap year
        (D(2010, 8, 31), 1, D(2010, 9, 30)),
        (D(2009, 12, 31), 2, D(2010, 2, 28)),  # across a year end
        (D(2009, 12, 10), 2, D(2010, 2, 10)),  # two months to publish a response
        (D(2010, 3, 15), -12, D(2009, 3, 15)),  # twelve months back
    ],
)
def test_add_months_clamps_to_the_last_day(start: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(start, months) == expected


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
