"""The gatekeeper's placement as it was before issue 16: a walk day by day, every check on
every candidate start, the calendar walked day by day too. Kept as the reference the
interval search must agree with, decision for decision."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from riskgate.domain import calendar
from riskgate.domain.calendar import next_working_day
from riskgate.domain.gatekeeper.placement import NoFitError, Placement
from riskgate.domain.gatekeeper.policies import BYPASSABLE_KINDS, PLACEMENT_KINDS, Policy
from riskgate.domain.gatekeeper.register import count_in, twelve_months_to

SEARCH_DAYS = 3 * 366


def on_site_period(start: dt.date, on_site_days: int) -> tuple[dt.date, ...]:
    """The on-site working days, counted day by day as before."""
    first = next_working_day(start)
    return tuple(calendar.add_working_days(first, n) for n in range(on_site_days))


class DayByDayPlacement(Placement):
    """`Placement` with the old search and the old calendar arithmetic."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.floor = calendar.add_working_days(self.context.decided_on, 1)

    def earliest_notice(self) -> dt.date:
        if self.notice is None or self.unannounced:
            return self.floor
        days = int(self.notice.parameters["working_days"])
        return max(self.floor, calendar.add_working_days(self.context.decided_on, days))

    def check(
        self, start: dt.date, on_site_days: int, *, kinds: Sequence[str] = PLACEMENT_KINDS
    ) -> list[tuple[Policy, str]]:
        days = on_site_period(start, on_site_days)
        problems: list[tuple[Policy, str]] = []
        checks = (
            ("notice", self.notice, self._check_notice),
            ("blackout", self.blackout, self._check_blackout),
            ("cap", self.cap, self._check_cap),
            ("rest", self.rest, self._check_rest),
        )
        for kind, policy, check in checks:
            if policy is None or kind not in kinds:
                continue
            reason = check(policy, days)
            if reason is not None:
                problems.append((policy, reason))
        return problems

    def days_12m_with(self, days: tuple[dt.date, ...]) -> tuple[int, dt.date]:
        combined = sorted([*self.days, *days])
        worst, worst_end = 0, days[-1]
        for end in combined:
            if end < days[0] or twelve_months_to(end) > days[-1]:
                continue
            count = count_in(combined, twelve_months_to(end), end)
            if count > worst:
                worst, worst_end = count, end
        return worst, worst_end

    def in_progress(self, first: dt.date, last: dt.date) -> list[str]:
        return sorted(
            v.inspection_id
            for v in self.visits
            if v.is_open and min(v.window_start, v.start) <= last and first <= v.end
        )

    def walk(
        self, not_before: dt.date, on_site_days: int, *, urgent: bool
    ) -> tuple[dt.date, dict[str, tuple[Policy, str]]]:
        kinds = [k for k in PLACEMENT_KINDS if not (urgent and k in BYPASSABLE_KINDS)]
        start = next_working_day(max(not_before, self.floor))
        limit = start + dt.timedelta(days=SEARCH_DAYS)
        moved: dict[str, tuple[Policy, str]] = {}
        while start <= limit:
            problems = self.check(start, on_site_days, kinds=kinds)
            if not problems:
                return start, moved
            for policy, reason in problems:
                moved[policy.kind] = (policy, reason)
            start = next_working_day(start + dt.timedelta(days=1))
        found = [moved[k] for k in PLACEMENT_KINDS if k in moved]
        raise NoFitError(
            f"no on-site period of {on_site_days} working days at {self.body} fits between "
            f"{not_before} and {limit}",
            found,
        )
