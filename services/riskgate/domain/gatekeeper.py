"""The gatekeeper's decision: pure policy evaluation over one body's register.

Policies are data (`rules/policies.yaml`): each has an id, a plain-words
rationale and parameters, and a kind. The kinds run in one fixed order,
`KINDS`; the file must list them in that order (a kind may be left out, but
`approve` must be there and last):

1. gates, the first that decides wins: `scope`, `programme`, `autonomy`
   (reject), `merge` (into an open inspection on the same theme), `joint`
   (join another inspectorate's open inspection of the body);
2. placement: `notice`, `blackout`, `cap`, `rest` decide the earliest on-site
   start that fits, `urgent` lets safeguarding and fraud concerns bypass `cap`
   and `rest`, and `approve` approves a start inside the requested window or
   defers the request to the earliest start that fits.

So every request is rejected, merged, joint, approved or deferred. A decision
names the policy ids that decided it, the reasons in plain words (naming dates
and figures), the ledger figures it used and the policy file's version. Nothing
here reads a clock: the caller passes the day of the decision.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from riskgate.adapters.rule_files import content_version
from riskgate.adapters.rule_files import read_rule_file as read_yaml
from riskgate.domain.calendar import (
    add_working_days,
    is_working_day,
    next_working_day,
    working_days_between,
)
from riskgate.domain.ids import derived_id
from riskgate.domain.rules import POLICY_FILE, RuleError
from riskgate.domain.vocabulary import (
    CONCERNS,
    INSPECTION_STATUSES,
    INSPECTORATES,
    PROGRAMME_GROUNDS,
    REQUEST_ORIGINS,
    SUBJECTS,
    THEME_TITLES,
    THEMES,
)

# The fixed order the policy kinds run in.
KINDS: tuple[str, ...] = (
    "scope",
    "programme",
    "autonomy",
    "merge",
    "joint",
    "notice",
    "blackout",
    "cap",
    "rest",
    "urgent",
    "approve",
)
GATE_KINDS: tuple[str, ...] = ("scope", "programme", "autonomy", "merge", "joint")
PLACEMENT_KINDS: tuple[str, ...] = ("notice", "blackout", "cap", "rest")
BYPASSABLE_KINDS: tuple[str, ...] = ("cap", "rest")

ORIGINS = REQUEST_ORIGINS
STATUSES = INSPECTION_STATUSES
# Closed for "open" purposes: no longer absorbs requests or counts as in progress.
CLOSED: tuple[str, ...] = ("completed", "published", "declined", "cancelled")
OPEN: tuple[str, ...] = tuple(s for s in STATUSES if s not in CLOSED)
# Count for nothing: no visit happened or will happen.
NOT_VISITS: tuple[str, ...] = ("declined", "cancelled")
# Another inspectorate may still join: not yet on site.
JOINABLE: tuple[str, ...] = ("assigned", "accepted", "scheduled")

ROLLING_DAYS = 365  # "12 months": the 365 days ending on a day, that day included
SEARCH_DAYS = 3 * 366  # earliest_fit looks this far ahead, then gives up

SUBJECT_WORDS: dict[str, str] = {
    "care_home": "a care home, which is regulatory inspection of a service",
    "school": "a school, which is inspection of an institution",
    "prison": "a prison, which is inspection of an institution",
    "other_institution": "an institution, which is inspection of that institution",
}
GROUND_WORDS: dict[str, str] = {
    "vulnerable_groups": "protecting particularly vulnerable groups such as children in care",
    "system_change": "driving system change",
}
ORIGIN_WORDS: dict[str, str] = {
    "risk_rule": "a risk rule",
    "government_office": "a Government Office",
    "department": "a government department",
    "call_for_action": "a Community Call for Action",
    "inspectorate_programme": "the inspectorate's own programme",
}


class NoFitError(ValueError):
    """No on-site period fits within `SEARCH_DAYS`; `problems` holds the last reasons seen."""

    def __init__(self, message: str, problems: Sequence[tuple[Policy, str]]) -> None:
        super().__init__(message)
        self.problems = tuple(problems)


@dataclass(frozen=True)
class Policy:
    id: str
    kind: str
    rationale: str
    parameters: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PolicySet:
    version: str
    policies: tuple[Policy, ...]

    def of_kind(self, kind: str) -> Policy | None:
        """The policy of this kind, or None if the file leaves the kind out."""
        return next((p for p in self.policies if p.kind == kind), None)


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

    def __post_init__(self) -> None:
        if isinstance(self.decided_on, dt.datetime):  # a timestamp: keep its date only
            object.__setattr__(self, "decided_on", self.decided_on.date())


# --- loading ---------------------------------------------------------------------------------


class _ParamError(ValueError):
    def __init__(self, message: str, line: Any = None) -> None:
        super().__init__(message)
        self.line = line


def _strip(value: Any) -> Any:
    """The value without the loader's `__line__` keys, at any depth."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _int(low: int, high: int | None = None) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _ParamError(f"must be a whole number, not {value!r}")
        if value < low or (high is not None and value > high):
            bounds = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise _ParamError(f"must be {bounds}, not {value}")
        return value

    return check


def _names(allowed: Sequence[str] | None = None, *, empty: bool = False) -> Callable[[Any], Any]:
    def check(value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _ParamError(f"must be a list of names, not {_strip(value)!r}")
        if not value and not empty:
            raise _ParamError("must not be empty")
        if allowed is not None:
            unknown = [v for v in value if v not in allowed]
            if unknown:
                raise _ParamError(
                    f"has unknown value(s) {', '.join(unknown)} (one of {', '.join(allowed)})"
                )
        return tuple(value)

    return check


def _belongs(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _ParamError("must map each subject to where it belongs, in plain words")
    value = _strip(value)
    for subject, words in value.items():
        if subject not in SUBJECTS or subject == "council_services":
            raise _ParamError(
                f"has unknown subject {subject!r} (one of {', '.join(SUBJECTS[1:])})",
            )
        if not isinstance(words, str) or not words.strip():
            raise _ParamError(f"must say in words where {subject} belongs")
    return {k: " ".join(v.split()) for k, v in value.items()}


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _periods(value: Any) -> tuple[dict[str, Any], ...]:
    if not isinstance(value, list):
        raise _ParamError("must be a list of periods {from, to, reason, bodies}")
    periods = []
    for raw in value:
        line = raw.get("__line__") if isinstance(raw, dict) else None
        if not isinstance(raw, dict):
            raise _ParamError("each period must be a mapping {from, to, reason, bodies}")
        missing = [k for k in ("from", "to", "reason", "bodies") if k not in raw]
        if missing:
            raise _ParamError(f"a period needs {', '.join(missing)}", line)
        try:
            start, end = _as_date(raw["from"]), _as_date(raw["to"])
        except ValueError:
            raise _ParamError(
                "a period's `from` and `to` must be dates (YYYY-MM-DD)", line
            ) from None
        if end < start:
            raise _ParamError(f"a period must not end ({end}) before it starts ({start})", line)
        bodies = _strip(raw["bodies"])
        if bodies != "all" and not (
            isinstance(bodies, list) and bodies and all(isinstance(b, str) for b in bodies)
        ):
            raise _ParamError("a period's `bodies` must be `all` or a list of body codes", line)
        reason = raw["reason"]
        if not isinstance(reason, str) or not reason.strip():
            raise _ParamError("a period needs a `reason` in words", line)
        periods.append(
            {
                "from": start,
                "to": end,
                "reason": " ".join(reason.split()),
                "bodies": "all" if bodies == "all" else tuple(bodies),
            }
        )
    return tuple(periods)


# kind -> parameter -> checker; every listed parameter is required, no others are allowed.
PARAMETERS: dict[str, dict[str, Callable[[Any], Any]]] = {
    "scope": {"belongs": _belongs},
    "programme": {"grounds": _names(PROGRAMME_GROUNDS)},
    "autonomy": {"score": _int(1, 4), "routine_origins": _names(ORIGINS)},
    "merge": {},
    "joint": {"lead_precedence": _names(tuple(INSPECTORATES))},
    "notice": {"working_days": _int(0), "unannounced_themes": _names(THEMES, empty=True)},
    "blackout": {"periods": _periods},
    "cap": {
        "max_on_site_days_12m": _int(1),
        "max_open_at_once": _int(1),
        "typical_on_site_days": _int(1),
    },
    "rest": {"min_gap_days": _int(0)},
    "urgent": {"concerns": _names(CONCERNS)},
    "approve": {},
}


def _line(raw: Mapping[str, Any], default: Any = "?") -> Any:
    return raw.get("__line__", default) if isinstance(raw, Mapping) else default


def _parameters(raw: Mapping[str, Any], policy_id: str, kind: str) -> dict[str, Any]:
    where = f"{POLICY_FILE}:{_line(raw)}"
    params = raw.get("parameters")
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise RuleError(f"{where}: policy {policy_id}: `parameters` must be a mapping")
    at = f"{POLICY_FILE}:{_line(params, _line(raw))}"
    spec = PARAMETERS[kind]
    unknown = sorted(k for k in params if k != "__line__" and k not in spec)
    if unknown:
        known = ", ".join(spec) or "none"
        raise RuleError(
            f"{at}: policy {policy_id} (kind {kind}) has unknown parameter(s) "
            f"{', '.join(unknown)} (known: {known})"
        )
    values: dict[str, Any] = {}
    for name, check in spec.items():
        if name not in params:
            raise RuleError(
                f"{at}: policy {policy_id} (kind {kind}) needs parameter `{name}` "
                f"(a {kind} policy needs {', '.join(spec)})"
            )
        try:
            values[name] = check(params[name])
        except _ParamError as exc:
            line = exc.line if exc.line is not None else _line(params, _line(raw))
            raise RuleError(f"{POLICY_FILE}:{line}: policy {policy_id}: `{name}` {exc}") from None
    return values


def load_policies(directory: Path) -> PolicySet:
    """Read the gatekeeper's policy file; raise RuleError naming file and line."""
    path = directory / POLICY_FILE
    doc = read_yaml(path) or {}
    if not isinstance(doc, dict) or not isinstance(doc.get("policies") or [], list):
        raise RuleError(f"{POLICY_FILE}:{_line(doc, 1)}: expected `policies:` with a list")
    policies: list[Policy] = []
    last_line: Any = _line(doc, 1)
    for raw in doc.get("policies") or []:
        if not isinstance(raw, dict):
            raise RuleError(f"{POLICY_FILE}:{last_line}: each policy must be a mapping")
        last_line = _line(raw)
        where = f"{POLICY_FILE}:{last_line}"
        kind = raw.get("kind")
        if kind not in KINDS:
            raise RuleError(f"{where}: unknown policy kind {kind!r} (one of {', '.join(KINDS)})")
        policy_id, rationale = raw.get("id"), raw.get("rationale")
        if not isinstance(policy_id, str) or not policy_id or not isinstance(rationale, str):
            raise RuleError(f"{where}: a policy needs `id` and `rationale`")
        if any(p.id == policy_id for p in policies):
            raise RuleError(f"{where}: policy id {policy_id} is used twice")
        if policies:
            before = policies[-1]
            if before.kind == "approve":
                raise RuleError(
                    f"{where}: the last policy must be of kind `approve`, so every request is "
                    f"decided; {policy_id} ({kind}) comes after {before.id}"
                )
            if kind == before.kind:
                raise RuleError(
                    f"{where}: kind `{kind}` is listed twice ({before.id} and {policy_id})"
                )
            if KINDS.index(kind) < KINDS.index(before.kind):
                raise RuleError(
                    f"{where}: policy {policy_id} (kind {kind}) is out of order: `{kind}` must "
                    f"come before `{before.kind}` ({before.id}); the kinds run in the fixed "
                    f"order {', '.join(KINDS)}"
                )
        params = _parameters(raw, policy_id, kind)
        policies.append(Policy(policy_id, kind, " ".join(rationale.split()), params))
    if not policies or policies[-1].kind != "approve":
        raise RuleError(
            f"{POLICY_FILE}:{last_line}: the last policy must be of kind `approve`, "
            "so every request is decided"
        )
    return PolicySet(content_version([path]), tuple(policies))


# --- the register as visits ------------------------------------------------------------------


def on_site_period(start: dt.date, on_site_days: int) -> tuple[dt.date, ...]:
    """The on-site working days: `on_site_days` of them, from the first working day >= start."""
    first = next_working_day(start)
    return tuple(add_working_days(first, n) for n in range(on_site_days))


@dataclass(frozen=True)
class _Visit:
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


def _visit(inspection: Mapping[str, Any]) -> _Visit:
    window_start = _as_date(inspection["window_start"])
    start = _as_date(inspection.get("on_site_start") or window_start)
    return _Visit(
        inspection["inspection_id"],
        inspection["status"],
        window_start,
        on_site_period(start, int(inspection["on_site_days"])),
    )


def _visits(register: Sequence[Mapping[str, Any]], exclude: str | None = None) -> list[_Visit]:
    """Every inspection that happened or will happen (not declined or cancelled)."""
    return [
        _visit(i)
        for i in register
        if i["status"] not in NOT_VISITS and i["inspection_id"] != exclude
    ]


def _themes(inspection: Mapping[str, Any]) -> list[str]:
    return sorted(inspection.get("themes") or [inspection["theme"]])


def _count_in(days: Sequence[dt.date], first: dt.date, last: dt.date) -> int:
    """How many of the sorted `days` fall in first..last."""
    return bisect.bisect_right(days, last) - bisect.bisect_left(days, first)


def _twelve_months_to(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=ROLLING_DAYS - 1)


def _title(inspectorate: str) -> str:
    return INSPECTORATES.get(inspectorate, inspectorate)


def _theme_words(theme: str) -> str:
    return THEME_TITLES.get(theme, theme).lower()


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# --- placement -------------------------------------------------------------------------------


class _Placement:
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
        self.visits = _visits(context.register, exclude)
        self.days = sorted(d for v in self.visits for d in v.days)
        self.notice = policies.of_kind("notice")
        self.blackout = policies.of_kind("blackout")
        self.cap = policies.of_kind("cap")
        self.rest = policies.of_kind("rest")
        self.floor = add_working_days(context.decided_on, 1)  # never on or before the decision

    def earliest_notice(self) -> dt.date:
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
            f"A start on {start} would give {self.body} {_plural(given, 'working day')}' notice "
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
                    f"{days[-1]} would have {_plural(len(hits), 'day')} in that period."
                )
        return None

    def days_12m_with(self, days: tuple[dt.date, ...]) -> tuple[int, dt.date]:
        """The most on-site days in any 12 months that include one of `days`, and when it ends."""
        combined = sorted([*self.days, *days])
        worst, worst_end = 0, days[-1]
        for end in combined:
            if end < days[0] or _twelve_months_to(end) > days[-1]:
                continue  # this 12 months holds none of the new days
            count = _count_in(combined, _twelve_months_to(end), end)
            if count > worst:
                worst, worst_end = count, end
        return worst, worst_end

    def _check_cap(self, policy: Policy, days: tuple[dt.date, ...]) -> str | None:
        reasons = []
        most = int(policy.parameters["max_on_site_days_12m"])
        total, end = self.days_12m_with(days)
        if total > most:
            ours = _count_in(days, _twelve_months_to(end), end)
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
                f"{_plural(len(busy), 'inspection')} in progress ({', '.join(busy)}); "
                f"at most {at_once} at once."
            )
        return " ".join(reasons) or None

    def in_progress(self, first: dt.date, last: dt.date) -> list[str]:
        """Open inspections in progress (window start to on-site end) during first..last."""
        return sorted(
            v.inspection_id
            for v in self.visits
            if v.is_open and min(v.window_start, v.start) <= last and first <= v.end
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
                    f"only {_plural((start - visit.end).days, 'day')} after inspection "
                    f"{visit.inspection_id}'s on-site visit ended on {visit.end}"
                )
            elif visit.start > end:
                between = (
                    f"ending only {_plural((visit.start - end).days, 'day')} before inspection "
                    f"{visit.inspection_id}'s on-site visit starts on {visit.start}"
                )
            else:
                between = (
                    f"overlapping inspection {visit.inspection_id}'s on-site visit from "
                    f"{visit.start} to {visit.end}"
                )
            return (
                f"An on-site visit from {start} to {end} would be {between}; at least "
                f"{_plural(gap, 'day')} must pass between on-site visits to {self.body}."
            )
        return None

    def walk(
        self, not_before: dt.date, on_site_days: int, *, urgent: bool
    ) -> tuple[dt.date, dict[str, tuple[Policy, str]]]:
        """The earliest start that fits, and for each policy that moved it its last reason."""
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
    placement = _Placement(
        context,
        policies,
        unannounced=_unannounced(policies, [theme] if theme else []),
        exclude=exclude_inspection_id,
    )
    return placement.walk(not_before, on_site_days, urgent=urgent)[0]


def _unannounced(policies: PolicySet, themes: Sequence[str]) -> bool:
    """Unannounced only if every theme of the visit allows it."""
    notice = policies.of_kind("notice")
    allowed = notice.parameters["unannounced_themes"] if notice else ()
    return bool(themes) and all(t in allowed for t in themes)


def _is_urgent(request: Mapping[str, Any], policies: PolicySet) -> bool:
    urgent = policies.of_kind("urgent")
    return urgent is not None and request.get("concern") in urgent.parameters["concerns"]


# --- the schedule an inspectorate proposes ---------------------------------------------------


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
    placement = _Placement(
        context,
        policies,
        unannounced=_unannounced(policies, _themes(inspection)),
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


# --- the burden ledger -----------------------------------------------------------------------


def _ledger(context: BodyContext, policies: PolicySet, on_day: dt.date) -> dict[str, Any]:
    visits = _visits(context.register)
    days = sorted(d for v in visits for d in v.days)
    cap = policies.of_kind("cap")
    ends = [v.end for v in visits]
    return {
        "open_inspections": sum(1 for i in context.register if i["status"] in OPEN),
        "on_site_days_used_12m": _count_in(days, _twelve_months_to(on_day), on_day),
        "on_site_days_planned": sum(1 for v in visits if v.is_open for d in v.days if d > on_day),
        "on_site_days_cap": cap.parameters["max_on_site_days_12m"] if cap else None,
        "open_at_once_cap": cap.parameters["max_open_at_once"] if cap else None,
        "last_visit_end": max(ends).isoformat() if ends else None,
        "org_score": context.org_score,
    }


def burden(context: BodyContext, policies: PolicySet, *, on_day: dt.date) -> dict[str, Any]:
    """The body's burden ledger on `on_day` (GET /v1/bodies/{code}/burden).

    `on_site_days_used_12m` counts on-site days, done or planned, in the 12
    months ending on `on_day`; `on_site_days_planned` the open inspections'
    on-site days after it; `on_site_days_left` is the cap less both.
    `next_date_that_fits` is the earliest start for a routine, announced request
    of the cap policy's `typical_on_site_days`, decided on `on_day`.
    """
    ledger = _ledger(context, policies, on_day)
    cap, rest = policies.of_kind("cap"), policies.of_kind("rest")
    typical = int(cap.parameters["typical_on_site_days"]) if cap else 5
    used, most = ledger["on_site_days_used_12m"], ledger["on_site_days_cap"]
    planned = ledger["on_site_days_planned"]
    try:
        fits: str | None = earliest_fit(
            replace(context, decided_on=on_day),
            policies,
            not_before=on_day,
            on_site_days=typical,
            urgent=False,
            theme=None,
        ).isoformat()
    except NoFitError:
        fits = None
    visits = sorted(
        (i for i in context.register if i["status"] not in NOT_VISITS),
        key=lambda i: (_visit(i).start, i["inspection_id"]),
    )
    return {
        "body": context.body,
        "on_day": on_day.isoformat(),
        **ledger,
        "open_inspection_ids": sorted(
            i["inspection_id"] for i in context.register if i["status"] in OPEN
        ),
        "on_site_days_left": max(0, most - used - planned) if most is not None else None,
        "min_gap_days": rest.parameters["min_gap_days"] if rest else None,
        "typical_on_site_days": typical,
        "next_date_that_fits": fits,
        "visits": [
            {
                "inspection_id": i["inspection_id"],
                "status": i["status"],
                "lead_inspectorate": i["lead_inspectorate"],
                "themes": _themes(i),
                "on_site_start": _visit(i).start.isoformat(),
                "on_site_end": _visit(i).end.isoformat(),
                "on_site_days": i["on_site_days"],
            }
            for i in visits
            if _visit(i).end >= _twelve_months_to(on_day)
        ],
        "policy_version": policies.version,
    }


# --- deciding --------------------------------------------------------------------------------


@dataclass
class _Case:
    """One request being decided, with what every policy may consult."""

    request: Mapping[str, Any]
    context: BodyContext
    policies: PolicySet
    urgent: bool
    window_start: dt.date
    window_end: dt.date
    notes: list[str] = field(default_factory=list)

    @property
    def window(self) -> dict[str, str]:
        return {
            "window_start": self.window_start.isoformat(),
            "window_end": self.window_end.isoformat(),
        }


@dataclass
class _Verdict:
    outcome: str
    policy_ids: list[str]
    reasons: list[str]
    inspection: dict[str, Any] | None = None
    deferred_until: str | None = None
    bypassed: list[str] = field(default_factory=list)
    ledger: dict[str, Any] = field(default_factory=dict)


def _overlaps(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return bool(a["window_start"] <= b["window_end"] and b["window_start"] <= a["window_end"])


def _by_window(register: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return sorted(register, key=lambda i: (i["window_start"], i["inspection_id"]))


def _scope(policy: Policy, case: _Case) -> _Verdict | None:
    subject = case.request.get("subject") or "council_services"
    if subject == "council_services":
        return None
    belongs = policy.parameters["belongs"].get(
        subject, "the body that inspects it in its own right"
    )
    about = SUBJECT_WORDS.get(subject, f"{subject}, which is not a council's services")
    return _Verdict(
        "rejected",
        [policy.id],
        [
            f"{policy.id}: This request is for the inspection of {about}, not of a council's "
            f"services, so it is not the gatekeeper's to decide: it belongs to {belongs}. "
            "The request is rejected and should be made there."
        ],
    )


def _programme(policy: Policy, case: _Case) -> _Verdict | None:
    request = case.request
    if request.get("origin") != "inspectorate_programme":
        return None
    ground = request.get("programme_ground")
    stated = str(request.get("justification") or "").strip()
    grounds = policy.parameters["grounds"]
    if ground in grounds and stated:
        return None
    allowed = " or ".join(f"{GROUND_WORDS.get(g, g)} ({g})" for g in grounds)
    if ground not in grounds:
        given = f"this request gives the ground {ground!r}" if ground else "it gives no ground"
    else:
        given = "it states no justification"
    return _Verdict(
        "rejected",
        [policy.id],
        [
            f"{policy.id}: A request from {_title(request['inspectorate'])}'s own programme is "
            f"allowed only with a stated justification on the ground of {allowed}; {given}, "
            "so it is rejected."
        ],
    )


def _autonomy(policy: Policy, case: _Case) -> _Verdict | None:
    request, score = case.request, policy.parameters["score"]
    if case.context.org_score != score:
        return None
    if request.get("origin") not in policy.parameters["routine_origins"]:
        return None
    if request.get("concern"):
        case.notes.append(
            f"{policy.id}: {request['body']} has earned autonomy (organisational assessment "
            f"{score}), but the request raises a {request['concern']} concern, so it goes ahead."
        )
        return None
    origin = ORIGIN_WORDS.get(request["origin"], request["origin"])
    return _Verdict(
        "rejected",
        [policy.id],
        [
            f"{policy.id}: {request['body']}'s organisational assessment is {score} (performs "
            f"excellently), so it gets no routine inspection; this request from {origin} "
            "raises no safeguarding or fraud concern and is routine, so it is rejected. "
            "Risk-triggered requests (from a risk rule or a Community Call for Action) still "
            "go ahead."
        ],
    )


def _merge(policy: Policy, case: _Case) -> _Verdict | None:
    request, window = case.request, case.window
    for inspection in _by_window(case.context.register):
        if inspection["status"] in CLOSED or request["theme"] not in _themes(inspection):
            continue
        if request["inspectorate"] not in inspection["participants"]:
            continue  # another inspectorate on the same theme joins instead (joint)
        if not _overlaps(inspection, window):
            continue
        merged = dict(inspection)
        merged["request_ids"] = sorted({*inspection["request_ids"], request["request_id"]})
        merged["evidence"] = sorted({*inspection["evidence"], *request.get("evidence", [])})
        merged["urgent"] = bool(inspection.get("urgent")) or case.urgent
        visit = _visit(inspection)
        return _Verdict(
            "merged",
            [policy.id],
            [
                f"{policy.id}: {request['body']} already has inspection "
                f"{inspection['inspection_id']} ({inspection['status']}) on "
                f"{_theme_words(request['theme'])}, window {inspection['window_start']} to "
                f"{inspection['window_end']}, on site {visit.start} to {visit.end}, which "
                f"overlaps the requested window {window['window_start']} to "
                f"{window['window_end']}. Request {request['request_id']} and its "
                f"{_plural(len(set(request.get('evidence', []))), 'evidence item')} were merged "
                f"into inspection {inspection['inspection_id']}, which absorbs it."
            ],
            merged,
        )
    return None


def _lead(
    policy: Policy, inspection: Mapping[str, Any], request: Mapping[str, Any]
) -> tuple[str, str]:
    """Who leads the joint inspection, and why in words.

    The inspectorate that needs more on-site days leads; on equal need, the one
    earlier in `lead_precedence`; if neither is listed, the current lead stays.
    """
    current, joining = inspection["lead_inspectorate"], request["inspectorate"]
    theirs, ours = int(inspection["on_site_days"]), int(request["on_site_days"])
    if ours != theirs:
        lead = joining if ours > theirs else current
        more, less = max(ours, theirs), min(ours, theirs)
        return lead, f"it needs more on-site days ({more} against {less})"
    order = list(policy.parameters["lead_precedence"])

    def rank(name: str) -> int:
        return order.index(name) if name in order else len(order)

    if rank(joining) < rank(current):
        return joining, (
            f"both need {ours} on-site days and it comes before {_title(current)} "
            "in the lead precedence"
        )
    if rank(current) < rank(joining):
        return current, (
            f"both need {ours} on-site days and it comes before {_title(joining)} "
            "in the lead precedence"
        )
    return current, f"both need {ours} on-site days and it already leads"


def _joint(policy: Policy, case: _Case) -> _Verdict | None:
    request, window = case.request, case.window
    for inspection in _by_window(case.context.register):
        if inspection["status"] not in JOINABLE:
            continue
        if inspection["lead_inspectorate"] == request["inspectorate"]:
            continue
        if not _overlaps(inspection, window):
            continue
        theirs, ours = int(inspection["on_site_days"]), int(request["on_site_days"])
        days = max(theirs, ours)
        visit = _visit(inspection)
        urgent = case.urgent or bool(inspection.get("urgent"))
        bypassed: list[tuple[Policy, str]] = []
        if days > theirs:
            # Planned once, but longer: the longer visit must still fit where it is.
            placement = _Placement(
                case.context, case.policies, unannounced=True, exclude=inspection["inspection_id"]
            )
            kinds = ["blackout"] + ([] if urgent else list(BYPASSABLE_KINDS))
            problems = placement.check(visit.start, days, kinds=kinds)
            if problems:
                case.notes.append(
                    f"{policy.id}: {_title(request['inspectorate'])} could not join inspection "
                    f"{inspection['inspection_id']}: planning it once for {days} on-site days "
                    f"from {visit.start} would break "
                    + " ".join(f"{p.id} ({reason})" for p, reason in problems)
                )
                continue
            if urgent:
                bypassed = placement.check(visit.start, days, kinds=BYPASSABLE_KINDS)
        lead, why = _lead(policy, inspection, request)
        period = on_site_period(visit.start, days)
        joined = dict(inspection)
        joined.update(
            lead_inspectorate=lead,
            theme=request["theme"] if lead != inspection["lead_inspectorate"] else joined["theme"],
            themes=sorted({*_themes(inspection), request["theme"]}),
            participants=sorted({*inspection["participants"], request["inspectorate"]}),
            on_site_days=days,
            on_site_start=period[0].isoformat(),
            on_site_end=period[-1].isoformat(),
            request_ids=sorted({*inspection["request_ids"], request["request_id"]}),
            evidence=sorted({*inspection["evidence"], *request.get("evidence", [])}),
            urgent=urgent,
            bypassed=sorted({*inspection.get("bypassed", []), *(p.id for p, _ in bypassed)}),
        )
        others = [_title(p) for p in joined["participants"] if p != lead]
        reasons = [
            f"{policy.id}: {_title(request['inspectorate'])} wants {request['body']} on "
            f"{_theme_words(request['theme'])} from {window['window_start']} to "
            f"{window['window_end']}, overlapping {_title(inspection['lead_inspectorate'])}'s "
            f"inspection {inspection['inspection_id']} (window {inspection['window_start']} to "
            f"{inspection['window_end']}), so there is one joint inspection "
            f"{inspection['inspection_id']} instead of two: {_title(lead)} leads because {why}, "
            f"with {', '.join(others)} taking part. On-site days are planned once: {days} "
            f"(the larger of {theirs} and {ours}), not {theirs + ours}, on site from "
            f"{period[0]} to {period[-1]}."
        ]
        ids = [policy.id]
        urgent_policy = case.policies.of_kind("urgent")
        if bypassed and urgent_policy is not None:
            ids.append(urgent_policy.id)
            reasons.append(_bypass_reason(urgent_policy, case, bypassed))
        return _Verdict("joint", ids, reasons, joined, bypassed=[p.id for p, _ in bypassed])
    return None


def _bypass_reason(urgent: Policy, case: _Case, bypassed: Sequence[tuple[Policy, str]]) -> str:
    concern = case.request.get("concern") or "an urgent"
    return (
        f"{urgent.id}: The request raises a {concern} concern, so it bypasses "
        f"{' and '.join(p.id for p, _ in bypassed)}: "
        + " ".join(f"{p.id} would have said: {reason}" for p, reason in bypassed)
    )


GATES: dict[str, Callable[[Policy, _Case], _Verdict | None]] = {
    "scope": _scope,
    "programme": _programme,
    "autonomy": _autonomy,
    "merge": _merge,
    "joint": _joint,
}


def _place(case: _Case) -> _Verdict:
    """Notice, blackout, cap, rest and urgent place the visit; approve approves or defers it."""
    request, policies, context = case.request, case.policies, case.context
    approve = policies.of_kind("approve")
    assert approve is not None  # load_policies ensures it
    n = int(request["on_site_days"])
    ws, we = case.window_start, case.window_end
    placement = _Placement(
        context, policies, unannounced=_unannounced(policies, [request["theme"]])
    )
    try:
        start, moved = placement.walk(ws, n, urgent=case.urgent)
    except NoFitError as exc:
        return _Verdict(
            "rejected",
            [p.id for p, _ in exc.problems] or [approve.id],
            [f"{p.id}: {reason}" for p, reason in exc.problems]
            + [
                f"No on-site period of {n} working days at {request['body']} fits in the "
                f"{SEARCH_DAYS} days from {ws}, so the request is rejected."
            ],
        )
    period = on_site_period(start, n)
    found = [moved[k] for k in PLACEMENT_KINDS if k in moved]
    reasons = [f"{p.id}: {reason}" for p, reason in found]
    ids = [p.id for p, _ in found]
    requested = next_working_day(ws)
    if placement.floor > requested and "notice" not in moved:
        reasons.append(
            f"{approve.id}: On-site work cannot start before {placement.floor}, the first "
            f"working day after the decision on {context.decided_on}."
        )
    bypassed = placement.check(start, n, kinds=BYPASSABLE_KINDS) if case.urgent else []
    urgent_policy = policies.of_kind("urgent")
    if bypassed and urgent_policy is not None:
        ids.append(urgent_policy.id)
        reasons.append(_bypass_reason(urgent_policy, case, bypassed))
    with_request, _ = placement.days_12m_with(period)
    ledger = {
        "on_site_days_12m_with_request": with_request,
        "in_progress_during_visit": len(placement.in_progress(period[0], period[-1])),
    }
    inspection_id = derived_id("inspection", request["request_id"])
    inspection: dict[str, Any] = {
        "inspection_id": inspection_id,
        "body": request["body"],
        "area": request["area"],
        "theme": request["theme"],
        "themes": [request["theme"]],
        "lead_inspectorate": request["inspectorate"],
        "participants": [request["inspectorate"]],
        **case.window,
        "on_site_days": n,
        "on_site_start": period[0].isoformat(),
        "on_site_end": period[-1].isoformat(),
        "request_ids": [request["request_id"]],
        "evidence": sorted(set(request.get("evidence", []))),
        "status": "assigned",
        "urgent": case.urgent,
        "bypassed": [p.id for p, _ in bypassed],
    }
    moved_from = (
        f"; the start moved from {requested} because of {', '.join(p.id for p, _ in found)}"
        if found
        else ""
    )
    if start <= we:
        reasons.append(
            f"{approve.id}: Approved for {_title(request['inspectorate'])}: "
            f"{_plural(n, 'on-site working day')} at {request['body']} from {period[0]} to "
            f"{period[-1]}, within the requested window {ws} to {we}{moved_from}."
        )
        return _Verdict(
            "approved",
            [*ids, approve.id],
            reasons,
            inspection,
            None,
            inspection["bypassed"],
            ledger,
        )
    moved_end = start + (we - ws)
    inspection.update(window_start=start.isoformat(), window_end=moved_end.isoformat())
    pushed = ", ".join(p.id for p, _ in found) or approve.id
    reasons.append(
        f"Deferred: no on-site start within the requested window {ws} to {we} fits ({pushed}); "
        f"the earliest that fits is {start}, on site to {period[-1]}, so inspection "
        f"{inspection_id} is planned with its window moved to {start} to {moved_end}."
    )
    return _Verdict(
        "deferred",
        ids or [approve.id],
        reasons,
        inspection,
        start.isoformat(),
        inspection["bypassed"],
        ledger,
    )


def decide(request: Mapping[str, Any], context: BodyContext, policies: PolicySet) -> dict[str, Any]:
    """Decide one inspection request against the body's register, on `context.decided_on`.

    `request` is the `inspection.requested` payload plus `body` (optional
    `subject`, default council_services, and `programme_ground`). The gates run
    in order and the first that decides wins; otherwise the placement policies
    approve the request or defer it. Ids derive from the request id.
    """
    if request["body"] != context.body:
        raise ValueError(f"request for {request['body']} decided against {context.body}'s register")
    case = _Case(
        request,
        context,
        policies,
        _is_urgent(request, policies),
        _as_date(request["window_start"]),
        _as_date(request["window_end"]),
    )
    verdict = None
    for policy in policies.policies:
        gate = GATES.get(policy.kind)
        if gate is not None:
            verdict = gate(policy, case)
            if verdict is not None:
                break
    if verdict is None:
        verdict = _place(case)
    decision_id = derived_id("decision", request["request_id"])
    inspection = verdict.inspection
    if inspection is not None:
        inspection = {**inspection, "decision_id": decision_id}
    return {
        "decision_id": decision_id,
        "request_id": request["request_id"],
        "outcome": verdict.outcome,
        "policy_ids": verdict.policy_ids,
        "reasons": [*verdict.reasons, *case.notes],
        "inspection_id": inspection["inspection_id"] if inspection else None,
        "deferred_until": verdict.deferred_until,
        "bypassed": verdict.bypassed,
        "ledger": {**_ledger(context, policies, context.decided_on), **verdict.ledger},
        "inspectorate": request["inspectorate"],
        "theme": request["theme"],
        "area": request["area"],
        "body": request["body"],
        "decided_on": context.decided_on.isoformat(),
        "policy_version": policies.version,
        "inspection": inspection,
    }
