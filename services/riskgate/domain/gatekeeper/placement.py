"""Where an on-site visit may go: notice, blackout, cap and rest, and the earliest start that fits.

`urgent` concerns (safeguarding, fraud) bypass cap and rest. The same checks
place a new request's visit and re-check the dates an inspectorate proposes
(`check_schedule`).

The earliest start is found by intervals, not day by day: the starts that notice, a
blackout period or rest with one visit rule out each form one interval of working days
(a period's end only moves later as its start does), so the search jumps past them and
checks the cap only where nothing else rules a start out. What moved the start is then
each policy's reason at the last start it ruled out, exactly as a day-by-day walk sees it.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from riskgate.domain import working_days as wd
from riskgate.domain.calendar import (
    is_working_day,
    next_working_day,
    working_days_between,
)
from riskgate.domain.gatekeeper.policies import BYPASSABLE_KINDS, PLACEMENT_KINDS, Policy, PolicySet
from riskgate.domain.gatekeeper.register import (
    ROLLING_DAYS,
    BodyContext,
    count_in,
    themes_of,
    twelve_months_to,
    visits_of,
)
from riskgate.domain.gatekeeper.words import plural
from riskgate.domain.working_days import add_working_days, on_site_period

SEARCH_DAYS = 3 * 366  # earliest_fit looks this far ahead, then gives up
NEVER = 1 << 40  # a working-day number past any search


class NoFitError(ValueError):
    """No on-site period fits within `SEARCH_DAYS`; `problems` holds the last reasons seen."""

    def __init__(self, message: str, problems: Sequence[tuple[Policy, str]]) -> None:
        super().__init__(message)
        self.problems = tuple(problems)


class Placement:
    """Checks one proposed on-site period against notice, blackout, cap and rest."""

    def __init__(
        self,
        context: BodyContext,
        policies: PolicySet,
        *,
        unannounced: bool,
        exclude: str | None = None,
    ) -> None:
        self.context = context
        self.body = context.body
        self.unannounced = unannounced
        self.visits = visits_of(context.register, exclude)
        self.days = sorted(d for v in self.visits for d in v.days)
        self._ordinals = [d.toordinal() for d in self.days]
        self.notice = policies.of_kind("notice")
        self.blackout = policies.of_kind("blackout")
        self.cap = policies.of_kind("cap")
        self.rest = policies.of_kind("rest")
        self.floor = add_working_days(context.decided_on, 1)  # never on or before the decision
        self._open = [v for v in self.visits if v.is_open]
        self._open_ends = sorted(v.end for v in self._open)

    def earliest_notice(self) -> dt.date:
        """The first start the notice policy allows (the floor if unannounced)."""
        if self.notice is None or self.unannounced:
            return self.floor
        return max(self.floor, add_working_days(self.context.decided_on, self._notice_days()))

    def _notice_days(self) -> int:
        assert self.notice is not None
        return int(self.notice.parameters["working_days"])

    def check(
        self,
        start: dt.date,
        on_site_days: int,
        *,
        kinds: Sequence[str] = PLACEMENT_KINDS,
    ) -> list[tuple[Policy, str]]:
        """The placement policies (of `kinds`) this on-site period breaks, with the reason."""
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

    def _check_notice(self, policy: Policy, days: tuple[dt.date, ...]) -> str | None:
        start, decided = days[0], self.context.decided_on
        earliest = self.earliest_notice()
        if start >= earliest:
            return None
        if self.unannounced:
            return (
                f"The theme allows unannounced visits, but on-site work cannot start on {start}: "
                f"the earliest is {earliest}, the first working day after {decided}."
            )
        given = working_days_between(decided, start)
        return (
            f"A start on {start} would give {self.body} {plural(given, 'working day')}' notice "
            f"after {decided}; at least {self._notice_days()} working days are needed, so the "
            f"earliest start is {earliest}."
        )

    def _check_blackout(self, policy: Policy, days: tuple[dt.date, ...]) -> str | None:
        for period in policy.parameters["periods"]:
            if period["bodies"] != "all" and self.body not in period["bodies"]:
                continue
            hits = [d for d in days if period["from"] <= d <= period["to"]]
            if hits:
                return (
                    f"No on-site work is placed at {self.body} from {period['from']} to "
                    f"{period['to']} ({period['reason']}); an on-site visit from {days[0]} to "
                    f"{days[-1]} would have {plural(len(hits), 'day')} in that period."
                )
        return None

    def days_12m_with(self, days: tuple[dt.date, ...]) -> tuple[int, dt.date]:
        """The most on-site days in any 12 months that include one of `days`, and when it ends."""
        have, new = self._ordinals, [d.toordinal() for d in days]
        span = ROLLING_DAYS - 1
        # Only a 12 months ending from the first new day to a year after the last holds one.
        ends = have[bisect.bisect_left(have, new[0]) : bisect.bisect_right(have, new[-1] + span)]
        worst, worst_end = 0, new[-1]
        for end in sorted(ends + new):
            first = end - span
            if first > new[-1]:
                continue  # this 12 months holds none of the new days
            count = (
                bisect.bisect_right(have, end)
                - bisect.bisect_left(have, first)
                + bisect.bisect_right(new, end)
                - bisect.bisect_left(new, first)
            )
            if count > worst:
                worst, worst_end = count, end
        return worst, dt.date.fromordinal(worst_end)

    def _check_cap(self, policy: Policy, days: tuple[dt.date, ...]) -> str | None:
        reasons = []
        most = int(policy.parameters["max_on_site_days_12m"])
        total, end = self.days_12m_with(days)
        if total > most:
            ours = count_in(days, twelve_months_to(end), end)
            share = f"{ours}" if ours == len(days) else f"{ours} of the {len(days)} days"
            reasons.append(
                f"On-site days at {self.body} in the 12 months to {end} would be {total} "
                f"({total - ours} already done or planned and {share} of this visit from "
                f"{days[0]} to {days[-1]}), over the cap of {most}."
            )
        at_once = int(policy.parameters["max_open_at_once"])
        busy = self.in_progress(days[0], days[-1])
        if len(busy) >= at_once:
            reasons.append(
                f"While on site from {days[0]} to {days[-1]} the body would already have "
                f"{plural(len(busy), 'inspection')} in progress ({', '.join(busy)}); "
                f"at most {at_once} at once."
            )
        return " ".join(reasons) or None

    def in_progress(self, first: dt.date, last: dt.date) -> list[str]:
        """Open inspections in progress (window start to on-site end) during first..last."""
        return sorted(
            v.inspection_id
            for v in self._open
            if min(v.window_start, v.start) <= last and first <= v.end
        )

    def _check_rest(self, policy: Policy, days: tuple[dt.date, ...]) -> str | None:
        gap = int(policy.parameters["min_gap_days"])
        start, end = days[0], days[-1]
        for visit in sorted(self.visits, key=lambda v: (v.start, v.inspection_id)):
            if visit.end < start and (start - visit.end).days >= gap:
                continue
            if visit.start > end and (visit.start - end).days >= gap:
                continue
            if visit.end < start:
                between = (
                    f"only {plural((start - visit.end).days, 'day')} after inspection "
                    f"{visit.inspection_id}'s on-site visit ended on {visit.end}"
                )
            elif visit.start > end:
                between = (
                    f"ending only {plural((visit.start - end).days, 'day')} before inspection "
                    f"{visit.inspection_id}'s on-site visit starts on {visit.start}"
                )
            else:
                between = (
                    f"overlapping inspection {visit.inspection_id}'s on-site visit from "
                    f"{visit.start} to {visit.end}"
                )
            return (
                f"An on-site visit from {start} to {end} would be {between}; at least "
                f"{plural(gap, 'day')} must pass between on-site visits to {self.body}."
            )
        return None

    def walk(
        self, not_before: dt.date, on_site_days: int, *, urgent: bool
    ) -> tuple[dt.date, dict[str, tuple[Policy, str]]]:
        """The earliest start that fits, and for each policy that moved it its last reason."""
        kinds = [k for k in PLACEMENT_KINDS if not (urgent and k in BYPASSABLE_KINDS)]
        start = next_working_day(max(not_before, self.floor))
        limit = start + dt.timedelta(days=SEARCH_DAYS)
        first, last = wd.index_on_or_after(start), wd.index_on_or_before(limit)
        ruled_out = {kind: self._ruled_out(kind, on_site_days) for kind in kinds if kind != "cap"}
        cap = self.cap if "cap" in kinds else None
        capped: dict[int, int] = {}  # a start the cap rules out -> the last start it surely does
        blocked = _merged([span for spans in ruled_out.values() for span in spans])
        fit, index = None, first
        while index <= last:
            index = _past(blocked, index)
            if index > last:
                break
            if cap is not None:
                through = self._capped_through(cap, index, on_site_days)
                if through is not None:
                    capped[index] = through
                    index = through + 1
                    continue
            fit = index
            break
        end = last if fit is None else fit - 1  # the starts tried before the one that fits
        moved: dict[str, tuple[Policy, str]] = {}
        for kind in kinds:
            policy = self._policy(kind)
            if policy is None:
                continue
            if kind == "cap":
                at = self._last_capped(policy, capped, first, end, on_site_days)
            else:
                at = _last_in(ruled_out[kind], first, end)
            if at is not None:
                day = wd.working_day(at)
                ((_, reason),) = self.check(day, on_site_days, kinds=[kind])
                moved[kind] = (policy, reason)
        if fit is not None:
            return wd.working_day(fit), moved
        found = [moved[k] for k in PLACEMENT_KINDS if k in moved]
        raise NoFitError(
            f"no on-site period of {on_site_days} working days at {self.body} fits between "
            f"{not_before} and {limit}",
            found,
        )

    def _policy(self, kind: str) -> Policy | None:
        return {
            "notice": self.notice,
            "blackout": self.blackout,
            "cap": self.cap,
            "rest": self.rest,
        }[kind]

    @staticmethod
    def _period(index: int, on_site_days: int) -> tuple[dt.date, ...]:
        return on_site_period(wd.working_day(index), on_site_days)

    def _ruled_out(self, kind: str, on_site_days: int) -> list[tuple[int, int]]:
        """The starts (working-day numbers, first..last) that notice, blackout or rest rule
        out. A period from start s ends n - 1 working days later, so "ends on or after day d"
        is "starts at d's number - (n - 1) or later"."""
        policy, back = self._policy(kind), on_site_days - 1
        if policy is None:
            return []
        if kind == "notice":
            return [(0, wd.index_on_or_after(self.earliest_notice()) - 1)]
        spans = []
        if kind == "blackout":
            for period in policy.parameters["periods"]:
                if period["bodies"] != "all" and self.body not in period["bodies"]:
                    continue
                # Some on-site day within from..to: the period starts by its last working day
                # and ends on or after its first (a period with no working day rules out none).
                opens = wd.index_on_or_after(period["from"])
                closes = wd.index_on_or_before(period["to"])
                if opens <= closes:
                    spans.append((opens - back, closes))
        if kind == "rest":
            gap = dt.timedelta(days=max(int(policy.parameters["min_gap_days"]), 1) - 1)
            for visit in self.visits:
                # Too close: starting less than the gap after the visit ends, and ending less
                # than the gap before it starts.
                spans.append(
                    (
                        wd.index_on_or_after(visit.start - gap) - back,
                        wd.index_on_or_before(visit.end + gap),
                    )
                )
        return [(low, high) for low, high in spans if low <= high]

    def _capped_through(self, cap: Policy, index: int, on_site_days: int) -> int | None:
        """None if the cap allows the start numbered `index`; else the last start it surely
        rules out, by whichever of these reaches further: the 12 months ending on the visit's
        last day hold too many days until their first day passes the earliest of them; and
        "too many at once" lasts while the inspections in progress that end last go on."""
        days = self._period(index, on_site_days)
        if not self._capped(cap, days):
            return None
        most = int(cap.parameters["max_on_site_days_12m"])
        last_day = days[-1].toordinal()
        window = self._ordinals[
            bisect.bisect_left(self._ordinals, last_day - (ROLLING_DAYS - 1)) : bisect.bisect_right(
                self._ordinals, last_day
            )
        ]
        through = index
        if len(window) + on_site_days > most:
            if not window:
                return NEVER  # the visit alone is over the cap
            clear = dt.date.fromordinal(window[0] + ROLLING_DAYS - 1)  # the last day it is in
            through = max(through, wd.index_on_or_before(clear) - (on_site_days - 1))
        at_once = int(cap.parameters["max_open_at_once"])
        busy = sorted(
            (
                v.end
                for v in self._open
                if min(v.window_start, v.start) <= days[-1] and days[0] <= v.end
            ),
            reverse=True,
        )
        if at_once >= 1 and len(busy) >= at_once:
            through = max(through, wd.index_on_or_before(busy[at_once - 1]))
        return through

    def _capped(self, cap: Policy, days: tuple[dt.date, ...]) -> bool:
        """Whether the cap rules out this on-site period (its full check only where the days
        within a year either side, or the inspections still open, could reach the cap)."""
        around = ROLLING_DAYS - 1
        near = bisect.bisect_right(
            self._ordinals, days[-1].toordinal() + around
        ) - bisect.bisect_left(self._ordinals, days[0].toordinal() - around)
        still_open = len(self._open_ends) - bisect.bisect_left(self._open_ends, days[0])
        if near + len(days) <= int(cap.parameters["max_on_site_days_12m"]) and still_open < int(
            cap.parameters["max_open_at_once"]
        ):
            return False
        return self._check_cap(cap, days) is not None

    def _last_capped(
        self, policy: Policy, capped: dict[int, int], first: int, end: int, on_site_days: int
    ) -> int | None:
        """The last start in first..end the cap rules out (checked where the search did not)."""
        known = _last_in(list(capped.items()), first, end)
        lowest = first if known is None else max(first, known + 1)
        for index in range(end, lowest - 1, -1):
            if self._capped(policy, self._period(index, on_site_days)):
                return index
        return known


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching spans joined, in order."""
    out: list[tuple[int, int]] = []
    for low, high in sorted(spans):
        if out and low <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], high))
        else:
            out.append((low, high))
    return out


def _past(blocked: list[tuple[int, int]], index: int) -> int:
    """The first number >= index outside the merged spans."""
    at = bisect.bisect_right(blocked, (index, float("inf"))) - 1
    if at >= 0 and blocked[at][0] <= index <= blocked[at][1]:
        return blocked[at][1] + 1
    return index


def _last_in(spans: list[tuple[int, int]], first: int, end: int) -> int | None:
    """The greatest number in first..end inside one of the spans, or None."""
    best = None
    for low, high in spans:
        top = min(high, end)
        if top >= max(low, first) and (best is None or top > best):
            best = top
    return best


def earliest_fit(
    context: BodyContext,
    policies: PolicySet,
    *,
    not_before: dt.date,
    on_site_days: int,
    urgent: bool,
    theme: str | None,
    exclude_inspection_id: str | None = None,
) -> dt.date:
    """The earliest working day >= not_before on which an on-site period fits every policy.

    The period is `on_site_days` working days from that day; it must break none of
    notice (unless `theme` allows unannounced visits), blackout, cap and rest
    (cap and rest are skipped when `urgent`). Raises NoFitError after ~3 years.
    """
    placement = Placement(
        context,
        policies,
        unannounced=unannounced(policies, [theme] if theme else []),
        exclude=exclude_inspection_id,
    )
    return placement.walk(not_before, on_site_days, urgent=urgent)[0]


def unannounced(policies: PolicySet, themes: Sequence[str]) -> bool:
    """Unannounced only if every theme of the visit allows it."""
    notice = policies.of_kind("notice")
    allowed = notice.parameters["unannounced_themes"] if notice else ()
    return bool(themes) and all(t in allowed for t in themes)


def is_urgent(request: Mapping[str, Any], policies: PolicySet) -> bool:
    """Whether the request raises a concern the urgent policy lets bypass cap and rest."""
    urgent = policies.of_kind("urgent")
    return urgent is not None and request.get("concern") in urgent.parameters["concerns"]


def check_schedule(
    inspection: Mapping[str, Any],
    start: dt.date,
    on_site_days: int,
    context: BodyContext,
    policies: PolicySet,
) -> list[str]:
    """Why a proposed schedule breaks notice, blackout, cap or rest; empty if it is fine.

    Each reason begins with the policy id it breaks ("SCHEDULE:" for a start
    that is not a working day or not after `context.decided_on`, the day the
    schedule is proposed). The inspection itself is left out of the register;
    an urgent inspection still bypasses cap and rest.
    """
    placement = Placement(
        context,
        policies,
        unannounced=unannounced(policies, themes_of(inspection)),
        exclude=inspection["inspection_id"],
    )
    reasons = []
    if not is_working_day(start):
        reasons.append(f"SCHEDULE: {start} is not a working day; on-site work starts on one.")
    urgent = bool(inspection.get("urgent"))
    kinds = [k for k in PLACEMENT_KINDS if not (urgent and k in BYPASSABLE_KINDS)]
    problems = placement.check(start, on_site_days, kinds=kinds)
    if next_working_day(start) <= context.decided_on and not any(
        p.kind == "notice" for p, _ in problems
    ):
        reasons.append(
            f"SCHEDULE: on-site work cannot start on {start}, not after {context.decided_on}."
        )
    reasons.extend(f"{policy.id}: {reason}" for policy, reason in problems)
    return reasons
