"""One body's register, as the gatekeeper sees it when it decides: its inspections as visits.

`BodyContext` is what a decision may consult; a `Visit` is an inspection's
on-site days. "12 months" is the 365 days ending on a day, that day included.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from riskgate.domain.inspection import NOT_VISITS, OPEN, as_date, on_site_period

ROLLING_DAYS = 365  # "12 months": the 365 days ending on a day, that day included


@dataclass(frozen=True)
class BodyContext:
    """What the gatekeeper knows about one body when it decides.

    `register`: the body's inspections, every status. `org_score`: its
    organisational assessment 1-4 (None if unknown). `decided_on`: the day of
    the decision (the request's occurred_at date, so replays decide alike; for
    `check_schedule`, the day the schedule is proposed). `body`: its code, for
    blackout periods that name bodies.
    """

    register: Sequence[Mapping[str, Any]]
    org_score: int | None
    decided_on: dt.date
    body: str
    peer_reviews: Sequence[Mapping[str, Any]] = ()  # {event_id, completed_on, themes, summary}

    def __post_init__(self) -> None:
        if isinstance(self.decided_on, dt.datetime):  # a timestamp: keep its date only
            object.__setattr__(self, "decided_on", self.decided_on.date())


@dataclass(frozen=True)
class Visit:
    """An inspection as its on-site working days (and the window start it is in progress from)."""

    inspection_id: str
    status: str
    window_start: dt.date
    days: tuple[dt.date, ...]

    @property
    def start(self) -> dt.date:
        return self.days[0]

    @property
    def end(self) -> dt.date:
        return self.days[-1]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


def visit_of(inspection: Mapping[str, Any]) -> Visit:
    """The inspection's visit: its planned on-site days (from the window start if unplanned)."""
    window_start = as_date(inspection["window_start"])
    start = as_date(inspection.get("on_site_start") or window_start)
    return Visit(
        inspection["inspection_id"],
        inspection["status"],
        window_start,
        on_site_period(start, int(inspection["on_site_days"])),
    )


def visits_of(register: Sequence[Mapping[str, Any]], exclude: str | None = None) -> list[Visit]:
    """Every inspection that happened or will happen (not declined or cancelled)."""
    return [
        visit_of(i)
        for i in register
        if i["status"] not in NOT_VISITS and i["inspection_id"] != exclude
    ]


def themes_of(inspection: Mapping[str, Any]) -> list[str]:
    """Every theme the inspection covers, sorted (a joint one covers several)."""
    return sorted(inspection.get("themes") or [inspection["theme"]])


def count_in(days: Sequence[dt.date], first: dt.date, last: dt.date) -> int:
    """How many of the sorted `days` fall in first..last."""
    return bisect.bisect_right(days, last) - bisect.bisect_left(days, first)


def twelve_months_to(day: dt.date) -> dt.date:
    """The first day of the 12 months ending on `day`."""
    return day - dt.timedelta(days=ROLLING_DAYS - 1)
