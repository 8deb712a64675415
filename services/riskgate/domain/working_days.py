"""Working days as an index: each working day numbered in order, bank holidays computed once.

Placement reasons about on-site periods as intervals of working days; with each working day
numbered, "n working days after" and "the first working day on or after" are lookups, not walks.
Everything here agrees with `riskgate.domain.calendar`, which stays the definition.
"""

from __future__ import annotations

import bisect
import datetime as dt
import threading
from functools import lru_cache

from riskgate.domain.calendar import is_working_day

_FIRST_YEAR = 1990
_lock = threading.Lock()
_days: list[dt.date] = []  # every working day from 1 January _FIRST_YEAR, in order
_through: list[int] = [_FIRST_YEAR - 1]  # the last year `_days` holds


def _cover(day: dt.date) -> None:
    """Extend the index to the end of the year after `day` (one year of slack either side)."""
    if day.year < _FIRST_YEAR:
        raise ValueError(f"{day} is before {_FIRST_YEAR}, where the working-day index starts")
    if day.year + 1 <= _through[0]:
        return
    with _lock:
        while _through[0] < day.year + 1:
            year = _through[0] + 1
            first = dt.date(year, 1, 1)
            _days.extend(
                d
                for d in (first + dt.timedelta(days=i) for i in range(366))
                if d.year == year and is_working_day(d)
            )
            _through[0] = year


def index_on_or_after(day: dt.date) -> int:
    """The number of the first working day on or after `day`."""
    _cover(day)
    return bisect.bisect_left(_days, day)


def index_on_or_before(day: dt.date) -> int:
    """The number of the last working day on or before `day`."""
    _cover(day)
    return bisect.bisect_right(_days, day) - 1


def working_day(index: int) -> dt.date:
    """The working day numbered `index`."""
    if index >= len(_days):
        _cover(_days[-1] + dt.timedelta(days=366))
    return _days[index]


@lru_cache(maxsize=1 << 16)
def on_site_period(start: dt.date, on_site_days: int) -> tuple[dt.date, ...]:
    """`riskgate.domain.inspection.on_site_period`, by index: `on_site_days` working days
    from the first working day >= start."""
    first = index_on_or_after(start)
    working_day(first + on_site_days)  # the index reaches the period's end
    return tuple(_days[first : first + on_site_days])


def add_working_days(start: dt.date, days: int) -> dt.date:
    """`riskgate.domain.calendar.add_working_days`, by index."""
    if days < 0:
        raise ValueError("days must not be negative")
    if days == 0:
        return start
    return working_day(index_on_or_before(start) + days)
