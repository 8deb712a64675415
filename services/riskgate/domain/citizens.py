"""Citizens' triggers: petitions, neighbourhood forums and the Community Call for Action.

A pure, deterministic state machine. Every state is a plain JSON-able dict (a
`Case`, a `Petition`, a `ForumIssue`) that the caller stores where it likes;
`CitizensDesk.apply` takes one event envelope plus the facts the step needs
(`Facts`) and returns the changed states and the transitions to publish
(`Outcome`). Time comes only from the events (`occurred_at` or the payload's
own dates) and from the `on` date the caller gives `sweep` and `recheck`;
never from the wall clock. Every transition has an id derived from what it is
about, so replaying the same events gives the same ids.

What each event needs from the caller (`Facts`):

| event | state | other facts |
|---|---|---|
| petition.submitted | petition (None if new) | area |
| petition.responded | petition | |
| forum.decided | forum_issue for (council, issue_ref) (None if new) | area |
| ccfa.raised | case (None if new) | area; petition when the payload names one |
| ccfa.referred | case | earlier_cases: the councillor's other cases at this council |
| ccfa.recommended, ccfa.responded, ccfa.published | case | complaints (partners' formal complaints) |

Stages of a call for action (`Case["stage"]`), with `Case["status"]`:

    raised ──ccfa.referred──▶ referred ──ccfa.recommended──▶ recommended ──▶ concluded
       │                        ▲                               (responses,   (status resolved
       ├──▶ routed ─────────────┘ (crime and disorder)          publication)   or closed_unresolved)
       ├──▶ refused (status refused: a filter said no)                │              │
       └──▶ escalated (suspected fraud or crime: at once)             └──────────────┴──▶ escalated

An area-wide case (from a big petition or several forums) has no councillor:
it opens at stage `referred`, straight with the overview and scrutiny
committee, so the councillor's filters (repeat, cap) never apply to it.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from riskgate.adapters.rule_files import content_version
from riskgate.adapters.rule_files import read_rule_file as read_yaml
from riskgate.domain.calendar import add_months, add_working_days
from riskgate.domain.ids import derived_id
from riskgate.domain.rules import RuleError

CITIZENS_FILE = "citizens.yaml"

Case = dict[str, Any]
Petition = dict[str, Any]
ForumIssue = dict[str, Any]
Transition = dict[str, Any]

MATTERS: tuple[str, ...] = (
    "planning",
    "licensing",
    "council_tax",
    "business_rates",
    "crime_and_disorder",
    "anti_social_behaviour",
    "other",
)
SUSPICIONS: tuple[str, ...] = ("fraud", "criminal")
COMMITTEE_FINDINGS: tuple[str, ...] = ("vexatious", "frivolous")
OVERVIEW_AND_SCRUTINY = "overview_and_scrutiny"
CRIME_AND_DISORDER = "crime_and_disorder"
STAGES: tuple[str, ...] = (
    "raised",
    "routed",
    "referred",
    "refused",
    "recommended",
    "concluded",
    "escalated",
)
STATUSES: tuple[str, ...] = ("open", "refused", "resolved", "closed_unresolved", "escalated")
PETITION_STATUSES: tuple[str, ...] = (
    "received",
    "debate_required",
    "debate_scheduled",
    "responded",
    "referred_to_ccfa",
)
DEADLINE_KINDS: tuple[str, ...] = ("body_response", "council_publication")
EVENT_TYPES: tuple[str, ...] = (
    "petition.submitted",
    "petition.responded",
    "forum.decided",
    "ccfa.raised",
    "ccfa.referred",
    "ccfa.recommended",
    "ccfa.responded",
    "ccfa.published",
)
TRANSITION_KINDS: tuple[str, ...] = (
    "ccfa.stage_changed",
    "ccfa.refused",
    "ccfa.overdue",
    "ccfa.deadline_met",
    "ccfa.escalated",
    "petition.status_changed",
    "area_case.opened",
)

# The rule ids named in reasons and requests; README.md ("Citizens' triggers") states them.
RULE_STATUTORY = "CCFA-STATUTORY-APPEAL"
RULE_CRIME = "CCFA-CRIME-AND-DISORDER"
RULE_VEXATIOUS = "CCFA-VEXATIOUS"
RULE_FRIVOLOUS = "CCFA-FRIVOLOUS"
RULE_REPEATED = "CCFA-REPEATED"
RULE_CAP = "CCFA-CAP"
RULE_PARTNERS = "CCFA-PARTNERS"
RULE_BYPASS = "CCFA-BYPASS"
RULE_DEBATE = "PET-DEBATE"
RULE_AREA_PETITION = "AREA-PETITION"
RULE_AREA_FORUMS = "AREA-FORUMS"
_FINDING_RULES = {"vexatious": RULE_VEXATIOUS, "frivolous": RULE_FRIVOLOUS}
_BODY_CODE = re.compile(r"[EWSN]\d{8}")
_MAX_REASON = 2000


class CitizensError(ValueError):
    """An event does not fit the state it is applied to (unknown case, wrong stage, ...)."""


# --- configuration --------------------------------------------------------------------------


@dataclass(frozen=True)
class CouncilSettings:
    """The parameters one council runs its petitions and calls for action by."""

    debate_threshold: int
    area_wide_threshold: int
    forums_for_area_case: int
    forum_window_days: int
    repeat_period_days: int
    cap_per_councillor_per_year: int | None
    statutory_appeal_matters: Mapping[str, str]
    crime_and_disorder_matters: tuple[str, ...]
    response_working_days: int
    publish_months: int
    partners_needed: int
    partner_window_months: int
    escalation_window_months: int
    escalation_on_site_days: int


# key -> (minimum, maximum or None); cap_per_councillor_per_year may also be null.
_INTEGERS: dict[str, tuple[int, int | None]] = {
    "debate_threshold": (1, None),
    "area_wide_threshold": (1, None),
    "forums_for_area_case": (1, None),
    "forum_window_days": (0, None),
    "repeat_period_days": (0, None),
    "cap_per_councillor_per_year": (1, None),
    "response_working_days": (1, None),
    "publish_months": (1, None),
    "partners_needed": (1, None),
    "partner_window_months": (1, None),
    "escalation_window_months": (1, None),
    "escalation_on_site_days": (1, 60),
}
_KEYS: tuple[str, ...] = (*_INTEGERS, "statutory_appeal_matters", "crime_and_disorder_matters")


@dataclass(frozen=True)
class CitizensConfig:
    """The defaults and each council's settings, with the file's content version."""

    version: str
    defaults: CouncilSettings
    councils: Mapping[str, CouncilSettings] = field(default_factory=dict)

    def for_council(self, code: str) -> CouncilSettings:
        """The settings for one council: its overrides merged over the defaults."""
        return self.councils.get(code, self.defaults)


def load_citizens_config(rules_dir: Path) -> CitizensConfig:
    """Read `citizens.yaml` from the rules directory; raise RuleError naming file and line."""
    path = rules_dir / CITIZENS_FILE
    if not path.is_file():
        raise RuleError(f"{CITIZENS_FILE}:0: missing from {rules_dir}")
    lines = path.read_text().splitlines()
    doc = read_yaml(path)
    if not isinstance(doc, dict):
        raise RuleError(f"{CITIZENS_FILE}:1: expected a mapping with `defaults` and `councils`")
    _unknown_keys(doc, ("defaults", "councils"), lines, "top level")
    raw_defaults = doc.get("defaults")
    if not isinstance(raw_defaults, dict):
        line = _key_line(lines, 1, "defaults")
        raise RuleError(f"{CITIZENS_FILE}:{line}: expected a `defaults:` mapping")
    _unknown_keys(raw_defaults, _KEYS, lines, "defaults")
    missing = [k for k in _KEYS if k not in raw_defaults]
    if missing:
        raise RuleError(
            f"{CITIZENS_FILE}:{raw_defaults['__line__']}: `defaults` is missing "
            f"{', '.join(missing)}"
        )
    base = {k: v for k, v in raw_defaults.items() if k != "__line__"}
    defaults = _settings(base, raw_defaults, lines)
    councils: dict[str, CouncilSettings] = {}
    raw_councils = doc.get("councils") or {}
    if not isinstance(raw_councils, dict):
        line = _key_line(lines, 1, "councils")
        raise RuleError(f"{CITIZENS_FILE}:{line}: expected a `councils:` mapping of body codes")
    for code, overrides in raw_councils.items():
        if code == "__line__":
            continue
        line = _key_line(lines, raw_councils["__line__"], str(code))
        if not isinstance(code, str) or not _BODY_CODE.fullmatch(code):
            raise RuleError(
                f"{CITIZENS_FILE}:{line}: {code!r} is not a council body code (e.g. E10000014)"
            )
        if not isinstance(overrides, dict):
            raise RuleError(f"{CITIZENS_FILE}:{line}: council {code} needs a mapping of overrides")
        _unknown_keys(overrides, _KEYS, lines, f"council {code}")
        merged = {**base, **{k: v for k, v in overrides.items() if k != "__line__"}}
        councils[code] = _settings(merged, overrides, lines)
    return CitizensConfig(content_version([path]), defaults, councils)


def _key_line(lines: Sequence[str], start: int, key: str) -> int:
    """The line (1-based) of `key:` at or after line `start`, else `start`."""
    pattern = re.compile(rf"^\s*['\"]?{re.escape(key)}['\"]?\s*:")
    for number in range(max(start, 1), len(lines) + 1):
        if pattern.match(lines[number - 1]):
            return number
    return start


def _unknown_keys(raw: dict, allowed: Iterable[str], lines: Sequence[str], where: str) -> None:
    allowed = tuple(allowed)
    for key in raw:
        if key != "__line__" and key not in allowed:
            line = _key_line(lines, raw["__line__"], str(key))
            raise RuleError(
                f"{CITIZENS_FILE}:{line}: unknown key {key!r} in {where} "
                f"(one of {', '.join(allowed)})"
            )


def _settings(values: dict[str, Any], raw: dict, lines: Sequence[str]) -> CouncilSettings:
    """Check a complete set of values; `raw` (the mapping as written) gives line numbers."""

    def fail(key: str, message: str) -> RuleError:
        line = _key_line(lines, raw["__line__"], key) if key in raw else raw["__line__"]
        return RuleError(f"{CITIZENS_FILE}:{line}: {key}: {message}")

    numbers: dict[str, Any] = {}
    for key, (low, high) in _INTEGERS.items():
        value = values[key]
        if value is None and key == "cap_per_councillor_per_year":
            numbers[key] = None
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise fail(key, f"expected a whole number, got {value!r}")
        if value < low or (high is not None and value > high):
            bounds = f"at least {low}" if high is None else f"from {low} to {high}"
            raise fail(key, f"must be {bounds}, got {value}")
        numbers[key] = value
    if numbers["area_wide_threshold"] < numbers["debate_threshold"]:
        raise fail("area_wide_threshold", "must not be below debate_threshold")
    appeal = values["statutory_appeal_matters"]
    if not isinstance(appeal, dict):
        raise fail("statutory_appeal_matters", "expected a mapping of matter to appeal route")
    routes: dict[str, str] = {}
    for matter, route in appeal.items():
        if matter == "__line__":
            continue
        if matter not in MATTERS or matter == "other":
            raise fail("statutory_appeal_matters", f"unknown matter {matter!r}")
        if not isinstance(route, str) or not route.strip():
            raise fail("statutory_appeal_matters", f"{matter} needs its appeal route in words")
        routes[matter] = " ".join(route.split())
    crime = values["crime_and_disorder_matters"]
    if not isinstance(crime, list) or not all(isinstance(m, str) for m in crime):
        raise fail("crime_and_disorder_matters", f"expected a list of matters, got {crime!r}")
    for matter in crime:
        if matter not in MATTERS or matter == "other":
            raise fail("crime_and_disorder_matters", f"unknown matter {matter!r}")
        if matter in routes:
            raise fail("crime_and_disorder_matters", f"{matter} also has a statutory appeal route")
    return CouncilSettings(
        statutory_appeal_matters=routes, crime_and_disorder_matters=tuple(crime), **numbers
    )


# --- helpers the caller may use -------------------------------------------------------------


def issue_key(issue: str, issue_ref: str | None = None) -> str:
    """What makes two calls "the same issue": an explicit reference, else the normalised words."""
    if issue_ref:
        return "ref:" + " ".join(issue_ref.lower().split())
    return " ".join(issue.lower().split())


def council_year(day: dt.date) -> str:
    """The council (financial) year a date falls in, April to March, e.g. '2009-10'."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def partner_complaint(event: Mapping[str, Any], area: str | None = None) -> dict[str, Any] | None:
    """The fact the partner gate needs from a `complaint.received` event, or None if not one.

    Only formal complaints made by a partner count towards escalation.
    """
    payload = event.get("payload") or {}
    if event.get("type") != "complaint.received" or payload.get("channel") != "partner":
        return None
    if not payload.get("formal"):
        return None
    return {
        "event_id": event["event_id"],
        "partner": payload["partner"],
        "theme": payload["theme"],
        "body": event["body"],
        "area": area,
        "occurred_at": event["occurred_at"],
    }


def summarise(case: Case, on: dt.date | None = None) -> dict[str, Any]:
    """A case as the list of calls for action shows it: stage, deadlines and what is overdue.

    With `on`, deadlines that have passed unmet by then show as overdue even if no
    sweep has marked them yet (the stored case is not changed).
    """
    view = copy.deepcopy(case)
    if on is not None:
        _mark_overdue(view, on)
    deadlines = view["deadlines"]
    pending = [d["due"] for d in deadlines if d["met_on"] is None and not d["overdue"]]
    return {
        "case_ref": view["case_ref"],
        "council": view["council"],
        "area": view["area"],
        "councillor_ref": view["councillor_ref"],
        "ward": view["ward"],
        "issue": view["issue"],
        "theme": view["theme"],
        "matter": view["matter"],
        "bodies": view["bodies"],
        "area_wide": view["area_wide"],
        "petition_ref": view["petition_ref"],
        "stage": view["stage"],
        "status": view["status"],
        "committee": view["committee"],
        "dates": {
            k: view[f"{k}_on"]
            for k in ("raised", "referred", "recommended", "published", "concluded", "escalated")
        },
        "deadlines": deadlines,
        "overdue": [d for d in deadlines if d["overdue"]],
        "next_due": min(pending) if pending else None,
        "refusal": view["refusal"],
        "escalation": view["escalation"],
    }


# --- the state machine ----------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What one step needs besides the event; see the module docstring for which."""

    area: str | None = None  # the council's LAA area (default: the council itself)
    case: Case | None = None
    petition: Petition | None = None
    forum_issue: ForumIssue | None = None
    earlier_cases: Sequence[Case] = ()  # the councillor's other cases at this council
    # Partners' formal complaints: {event_id, partner, theme, body, area?, occurred_at}.
    complaints: Sequence[Mapping[str, Any]] = ()


@dataclass
class Outcome:
    """The states a step created or changed (None: untouched) and the transitions to publish."""

    case: Case | None = None
    petition: Petition | None = None
    forum_issue: ForumIssue | None = None
    transitions: list[Transition] = field(default_factory=list)

    @property
    def inspection_requests(self) -> list[dict[str, Any]]:
        """Payloads for `inspection.requested`, one per escalation in this step."""
        return [t["inspection_request"] for t in self.transitions if t["kind"] == "ccfa.escalated"]


Handler = Callable[[Mapping[str, Any], Facts, CouncilSettings], Outcome]


class CitizensDesk:
    """Applies citizens' events to their states under one configuration and theme routing."""

    def __init__(self, config: CitizensConfig, routing: Mapping[str, str]) -> None:
        self.config = config
        self.routing = dict(routing)
        self._handlers: dict[str, Handler] = {
            "petition.submitted": self._petition_submitted,
            "petition.responded": self._petition_responded,
            "forum.decided": self._forum_decided,
            "ccfa.raised": self._raised,
            "ccfa.referred": self._referred,
            "ccfa.recommended": self._recommended,
            "ccfa.responded": self._responded,
            "ccfa.published": self._published,
        }

    # --- entry points -----------------------------------------------------------------------

    def apply(self, event: Mapping[str, Any], facts: Facts | None = None) -> Outcome:
        """Apply one event envelope. An event already applied to its state changes nothing."""
        handler = self._handlers.get(event.get("type", ""))
        if handler is None:
            raise CitizensError(f"not a citizens' event type: {event.get('type')!r}")
        return handler(event, facts or Facts(), self.config.for_council(event["body"]))

    def sweep(
        self, case: Case, on: dt.date, complaints: Sequence[Mapping[str, Any]] = ()
    ) -> Outcome:
        """Mark deadlines passed unmet by `on` as overdue (once each); conclude if the local
        stages are now done. Call it periodically and whenever an event moves time on."""
        case = copy.deepcopy(case)
        transitions = _mark_overdue(case, on)
        transitions += self._settle(case, complaints, on, cause=None)
        return Outcome(case=case, transitions=transitions)

    def recheck(self, case: Case, complaints: Sequence[Mapping[str, Any]], on: dt.date) -> Outcome:
        """Test a closed, unresolved case's partner gate again (say, after a new complaint)."""
        case = copy.deepcopy(case)
        transitions = _mark_overdue(case, on) if case["stage"] == "recommended" else []
        transitions += self._settle(case, complaints, on, cause=None)
        return Outcome(case=case, transitions=transitions)

    # --- petitions and forums ---------------------------------------------------------------

    def _petition_submitted(
        self, event: Mapping[str, Any], facts: Facts, s: CouncilSettings
    ) -> Outcome:
        payload, council, on = event["payload"], event["body"], _event_day(event)
        if facts.petition is not None:
            return _already(facts.petition, event, "petition", "petition")
        signatures = payload["signatures"]
        debate = signatures >= s.debate_threshold
        area_wide = signatures >= s.area_wide_threshold
        status = "debate_required" if debate else "received"
        reasons = [
            f"{RULE_DEBATE}: {signatures:,} signatures"
            + (
                f" reach the debate threshold of {s.debate_threshold:,}: the council must "
                "schedule a debate"
                if debate
                else f", below the debate threshold of {s.debate_threshold:,}"
            )
        ]
        area = facts.area or council
        petition: Petition = {
            "petition_ref": payload["petition_ref"],
            "council": council,
            "area": area,
            "topic": payload["topic"],
            "theme": payload["theme"],
            "signatures": signatures,
            "neighbourhood": payload["neighbourhood"],
            "submitted_on": on.isoformat(),
            "status": status,
            "debate_threshold": s.debate_threshold,
            "debate_required": debate,
            "area_wide_threshold": s.area_wide_threshold,
            "area_wide": area_wide,
            "area_case_ref": None,
            "responded_on": None,
            "debate_on": None,
            "outcome": None,
            "ccfa_case_ref": None,
            "history": [],
            "evidence": [event["event_id"]],
        }
        transitions = [_petition_status(petition, None, on, reasons, event["event_id"])]
        outcome = Outcome(petition=petition, transitions=transitions)
        if area_wide:
            reason = (
                f"{RULE_AREA_PETITION}: petition {petition['petition_ref']} has "
                f"{signatures:,} signatures, at least the area-wide threshold of "
                f"{s.area_wide_threshold:,}"
            )
            case = _new_case(
                case_ref=f"area-petition-{petition['petition_ref']}",
                council=council,
                area=area,
                issue=payload["topic"],
                key=issue_key(payload["topic"]),
                theme=payload["theme"],
                bodies=[council],
                on=on,
            )
            case["petition_ref"] = petition["petition_ref"]
            petition["area_case_ref"] = case["case_ref"]
            transitions.append(
                _open_area_case(case, on, reason, event["event_id"], [event["event_id"]])
            )
            outcome.case = case
        return outcome

    def _petition_responded(
        self, event: Mapping[str, Any], facts: Facts, s: CouncilSettings
    ) -> Outcome:
        payload, on = event["payload"], _day(event["payload"]["responded_on"])
        petition = _require(facts.petition, "petition", payload["petition_ref"], event)
        if event["event_id"] in petition["evidence"]:
            return Outcome(petition=petition)
        petition = copy.deepcopy(petition)
        petition["evidence"].append(event["event_id"])
        petition["responded_on"] = on.isoformat()
        petition["outcome"] = payload["outcome"]
        if payload.get("debate_on"):
            petition["debate_on"] = _day(payload["debate_on"]).isoformat()
        before = petition["status"]
        if before == "referred_to_ccfa":
            return Outcome(petition=petition)  # already taken up as a call for action
        status = "debate_scheduled" if petition["debate_on"] else "responded"
        reasons = [f"the council responded on {on.isoformat()}: {payload['outcome']}"]
        if status == "debate_scheduled":
            reasons.append(f"debate on {petition['debate_on']}")
        elif petition["debate_required"]:
            reasons.append(
                f"{RULE_DEBATE}: no debate scheduled, though the petition reached the "
                f"threshold of {petition['debate_threshold']:,}"
            )
        if status == before:
            return Outcome(petition=petition)
        petition["status"] = status
        return Outcome(
            petition=petition,
            transitions=[_petition_status(petition, before, on, reasons, event["event_id"])],
        )

    def _forum_decided(self, event: Mapping[str, Any], facts: Facts, s: CouncilSettings) -> Outcome:
        payload, council = event["payload"], event["body"]
        state = facts.forum_issue
        if state is not None and event["event_id"] in state["evidence"]:
            return Outcome(forum_issue=state)
        state = copy.deepcopy(state) or {
            "council": council,
            "issue_ref": payload["issue_ref"],
            "theme": payload["theme"],
            "decisions": [],
            "case_ref": None,
            "evidence": [],
        }
        state["evidence"].append(event["event_id"])
        state["decisions"].append(
            {
                "forum_ref": payload["forum_ref"],
                "neighbourhood": payload["neighbourhood"],
                "decided_on": _day(payload["decided_on"]).isoformat(),
                "event_id": event["event_id"],
            }
        )
        state["decisions"].sort(key=lambda d: (d["decided_on"], d["forum_ref"], d["event_id"]))
        outcome = Outcome(forum_issue=state)
        if state["case_ref"] is not None:
            return outcome
        window = _forum_window(state["decisions"], s)
        if window is None:
            return outcome
        on, decisions = window
        forums = sorted({d["forum_ref"] for d in decisions})
        reason = (
            f"{RULE_AREA_FORUMS}: {len(forums)} neighbourhood forums ({', '.join(forums)}) "
            f"decided on issue {state['issue_ref']} within {s.forum_window_days} days, "
            f"at least the {s.forums_for_area_case} that open an area-wide case"
        )
        case = _new_case(
            case_ref=f"area-forums-{state['issue_ref']}",
            council=council,
            area=facts.area or council,
            issue=state["issue_ref"],
            key=issue_key("", state["issue_ref"]),
            theme=state["theme"],
            bodies=[council],
            on=on,
        )
        state["case_ref"] = case["case_ref"]
        evidence = [d["event_id"] for d in decisions]
        outcome.transitions.append(_open_area_case(case, on, reason, event["event_id"], evidence))
        outcome.case = case
        return outcome

    # --- the call for action ----------------------------------------------------------------

    def _raised(self, event: Mapping[str, Any], facts: Facts, s: CouncilSettings) -> Outcome:
        payload, council, on = event["payload"], event["body"], _event_day(event)
        if facts.case is not None:
            return _already(facts.case, event, "case", "call for action")
        matter = payload.get("matter") or "other"
        if matter not in MATTERS:
            raise CitizensError(f"ccfa.raised: unknown matter {matter!r} (one of {MATTERS})")
        suspected = payload.get("suspected")
        if suspected is not None and suspected not in SUSPICIONS:
            raise CitizensError(f"ccfa.raised: suspected must be one of {SUSPICIONS} or null")
        case = _new_case(
            case_ref=payload["case_ref"],
            council=council,
            area=facts.area or council,
            issue=payload["issue"],
            key=issue_key(payload["issue"], payload.get("issue_ref")),
            theme=payload["theme"],
            bodies=list(dict.fromkeys(payload["bodies"])),
            on=on,
            stage="raised",
        )
        case.update(
            councillor_ref=payload["councillor_ref"],
            ward=payload["ward"],
            matter=matter,
            petition_ref=payload.get("petition_ref"),
            suspected=suspected,
            informal_resolution_tried=payload.get("informal_resolution_tried"),
            evidence=[event["event_id"]],
        )
        reason = f"raised by councillor {case['councillor_ref']} for ward {case['ward']}"
        case["history"][0]["reasons"] = [reason]
        case["history"][0]["event_id"] = event["event_id"]
        transitions = [_case_transition("ccfa.stage_changed", case, None, on, [reason], event)]
        outcome = Outcome(case=case, transitions=transitions)
        if case["petition_ref"] and facts.petition is not None:
            outcome.petition = self._link_petition(facts.petition, case, on, event, transitions)
        if suspected:
            words = "fraud" if suspected == "fraud" else "criminal behaviour"
            why = (
                f"{RULE_BYPASS}: suspected {words}, so the call goes to the gatekeeper at once, "
                "bypassing the local stages and the partner test"
            )
            transitions.append(
                self._escalate(case, s, on, why, complaint_ids=[], cause=event, urgent=True)
            )
        return outcome

    def _link_petition(
        self,
        petition: Petition,
        case: Case,
        on: dt.date,
        event: Mapping[str, Any],
        transitions: list[Transition],
    ) -> Petition | None:
        if petition["petition_ref"] != case["petition_ref"]:
            raise CitizensError(
                f"ccfa.raised names petition {case['petition_ref']} "
                f"but the facts hold petition {petition['petition_ref']}"
            )
        if petition["status"] == "referred_to_ccfa":
            return None  # already taken up by another call; the case keeps its link
        petition = copy.deepcopy(petition)
        before = petition["status"]
        petition["status"] = "referred_to_ccfa"
        petition["ccfa_case_ref"] = case["case_ref"]
        petition["evidence"].append(event["event_id"])
        reason = (
            f"councillor {case['councillor_ref']} took the petition up as call for action "
            f"{case['case_ref']}"
        )
        transitions.append(_petition_status(petition, before, on, [reason], event["event_id"]))
        return petition

    def _referred(self, event: Mapping[str, Any], facts: Facts, s: CouncilSettings) -> Outcome:
        payload = event["payload"]
        case = _require(facts.case, "case", payload["case_ref"], event)
        if event["event_id"] in case["evidence"]:
            return Outcome(case=case)
        committee, on = payload["committee"], _day(payload["referred_on"])
        finding = payload.get("committee_finding")
        if finding is not None and finding not in COMMITTEE_FINDINGS:
            raise CitizensError(
                f"ccfa.referred: committee_finding must be one of {COMMITTEE_FINDINGS}"
            )
        stage = case["stage"]
        if not (stage == "raised" or (stage == "routed" and committee == CRIME_AND_DISORDER)):
            raise CitizensError(
                f"ccfa.referred for case {case['case_ref']} at stage {stage}: a referral needs "
                "stage raised (or routed, to the crime and disorder committee)"
            )
        case = copy.deepcopy(case)
        case["evidence"].append(event["event_id"])
        case["referred_on"] = on.isoformat()
        case["committee"] = committee
        matter = case["matter"]
        if matter in s.statutory_appeal_matters:
            route = s.statutory_appeal_matters[matter]
            return self._refuse(
                case,
                on,
                RULE_STATUTORY,
                f"a {matter.replace('_', ' ')} matter has its own statutory appeal route "
                f"({route}), so it is not a matter for a call for action",
                event,
            )
        if matter in s.crime_and_disorder_matters and committee != CRIME_AND_DISORDER:
            case["committee"] = CRIME_AND_DISORDER
            reason = (
                f"{RULE_CRIME}: a {matter.replace('_', ' ')} matter goes to the crime and "
                "disorder committee"
            )
            case["accepted_on"] = on.isoformat()
            transition = _move(case, "routed", "open", on, [reason], event)
            return Outcome(case=case, transitions=[transition])
        committee_words = committee.replace("_", " ")
        if finding is not None:
            return self._refuse(
                case,
                on,
                _FINDING_RULES[finding],
                f"the {committee_words} committee found the call {finding}",
                event,
            )
        earlier = _repeated(case, facts.earlier_cases, s)
        if earlier is not None:
            return self._refuse(
                case,
                on,
                RULE_REPEATED,
                f"councillor {case['councillor_ref']} raised the same issue as call "
                f"{earlier['case_ref']} on {earlier['raised_on']}, within the "
                f"{s.repeat_period_days}-day repeat period",
                event,
            )
        cap = s.cap_per_councillor_per_year
        if cap is not None:
            year = council_year(on)
            accepted = _accepted_in_year(case, facts.earlier_cases, year)
            if len(accepted) >= cap:
                return self._refuse(
                    case,
                    on,
                    RULE_CAP,
                    f"councillor {case['councillor_ref']} already has {len(accepted)} calls "
                    f"accepted in council year {year} ({', '.join(accepted)}); the cap is "
                    f"{cap} a year",
                    event,
                )
        case["accepted_on"] = on.isoformat()
        reason = f"accepted by the {committee_words} committee for investigation"
        transition = _move(case, "referred", "open", on, [reason], event)
        return Outcome(case=case, transitions=[transition])

    def _refuse(
        self,
        case: Case,
        on: dt.date,
        rule: str,
        reason: str,
        event: Mapping[str, Any],
    ) -> Outcome:
        text = f"{rule}: {reason}"
        case["refusal"] = {"rule": rule, "reason": text, "on": on.isoformat()}
        transition = _move(case, "refused", "refused", on, [text], event, kind="ccfa.refused")
        transition["rule"] = rule
        return Outcome(case=case, transitions=[transition])

    def _recommended(self, event: Mapping[str, Any], facts: Facts, s: CouncilSettings) -> Outcome:
        payload = event["payload"]
        case = _require(facts.case, "case", payload["case_ref"], event)
        if event["event_id"] in case["evidence"]:
            return Outcome(case=case)
        if case["stage"] not in ("referred", "routed"):
            raise CitizensError(
                f"ccfa.recommended for case {case['case_ref']} at stage {case['stage']}: "
                "recommendations need a case under investigation (stage referred or routed)"
            )
        on = _day(payload["recommended_on"])
        case = copy.deepcopy(case)
        case["evidence"].append(event["event_id"])
        bodies = list(dict.fromkeys(payload.get("bodies") or case["bodies"]))
        case["recommendations"] = list(payload.get("recommendations") or [])
        case["recommended_to"] = bodies
        case["recommended_on"] = on.isoformat()
        respond_by = add_working_days(on, s.response_working_days)
        case["deadlines"] = [
            {
                "kind": "body_response",
                "body": body,
                "due": respond_by.isoformat(),
                "met_on": None,
                "overdue": False,
            }
            for body in bodies
        ]
        case["deadlines"].append(
            {
                "kind": "council_publication",
                "body": case["council"],
                "due": add_months(on, s.publish_months).isoformat(),
                "met_on": None,
                "overdue": False,
            }
        )
        reason = (
            f"recommendations made to {', '.join(bodies)}: each responds within "
            f"{s.response_working_days} working days (by {respond_by.isoformat()}); the council "
            f"publishes its response within {s.publish_months} months"
        )
        transitions = [_move(case, "recommended", "open", on, [reason], event)]
        transitions += _mark_overdue(case, on)
        transitions += self._settle(case, facts.complaints, on, cause=event)
        return Outcome(case=case, transitions=transitions)

    def _responded(self, event: Mapping[str, Any], facts: Facts, s: CouncilSettings) -> Outcome:
        payload = event["payload"]
        return self._record(
            event,
            facts,
            on=_day(payload["responded_on"]),
            kind="body_response",
            body=payload["responding_body"],
            resolved=payload["resolved"],
        )

    def _published(self, event: Mapping[str, Any], facts: Facts, s: CouncilSettings) -> Outcome:
        payload = event["payload"]
        case = _require(facts.case, "case", payload["case_ref"], event)
        return self._record(
            event,
            facts,
            on=_day(payload["published_on"]),
            kind="council_publication",
            body=case["council"],
            resolved=payload["resolved"],
        )

    def _record(
        self,
        event: Mapping[str, Any],
        facts: Facts,
        *,
        on: dt.date,
        kind: str,
        body: str,
        resolved: bool,
    ) -> Outcome:
        """Record a body's response or the council's publication against its deadline."""
        case = _require(facts.case, "case", event["payload"]["case_ref"], event)
        if event["event_id"] in case["evidence"]:
            return Outcome(case=case)
        if case["stage"] not in ("recommended", "concluded", "escalated"):
            raise CitizensError(
                f"{event['type']} for case {case['case_ref']} at stage {case['stage']}: "
                "responses follow the committee's recommendations"
            )
        case = copy.deepcopy(case)
        case["evidence"].append(event["event_id"])
        transitions = _mark_overdue(case, on)
        entry = {
            "body": body,
            "on": on.isoformat(),
            "resolved": resolved,
            "event_id": event["event_id"],
        }
        if kind == "body_response":
            case["responses"].append(entry)
        else:
            case["publications"].append(entry)
            case["published_on"] = case["published_on"] or on.isoformat()
        for deadline in case["deadlines"]:
            if deadline["kind"] == kind and deadline["body"] == body and deadline["met_on"] is None:
                deadline["met_on"] = on.isoformat()
                what = "responded" if kind == "body_response" else "published its response"
                late = " late" if deadline["overdue"] else ""
                reasons = [f"{body} {what}{late} on {on.isoformat()} (due {deadline['due']})"]
                transition = _case_transition(
                    "ccfa.deadline_met", case, case["stage"], on, reasons, event, kind, body
                )
                transition["deadline"] = dict(deadline)
                transition["late"] = deadline["overdue"]
                transitions.append(transition)
        transitions += self._settle(case, facts.complaints, on, cause=event)
        return Outcome(case=case, transitions=transitions)

    # --- conclusion and escalation ----------------------------------------------------------

    def _settle(
        self,
        case: Case,
        complaints: Sequence[Mapping[str, Any]],
        on: dt.date,
        cause: Mapping[str, Any] | None,
    ) -> list[Transition]:
        """Conclude a case whose local stages are done; escalate it if the partner gate is met.

        A case concluded unresolved for want of partners is tested again each time.
        """
        s = self.config.for_council(case["council"])
        if case["stage"] == "recommended":
            done_on = _local_stages_done(case)
            if done_on is None:
                return []
            case["concluded_on"] = done_on.isoformat()
            unresolved = _unresolved(case)
            if not unresolved:
                reason = "the local stages are done and every response says it is resolved"
                return [_move(case, "concluded", "resolved", done_on, [reason], cause)]
            return self._partner_gate(case, s, complaints, done_on, unresolved, cause)
        if case["stage"] == "concluded" and case["status"] == "closed_unresolved":
            return self._partner_gate(
                case, s, complaints, max(on, _day(case["concluded_on"])), _unresolved(case), cause
            )
        return []

    def _partner_gate(
        self,
        case: Case,
        s: CouncilSettings,
        complaints: Sequence[Mapping[str, Any]],
        on: dt.date,
        unresolved: list[str],
        cause: Mapping[str, Any] | None,
    ) -> list[Transition]:
        counted = _partner_complaints(case, complaints, on, s)
        partners = sorted({c["partner"] for c in counted})
        theme = case["theme"].replace("_", " ")
        met = len(partners) >= s.partners_needed
        if not met and case["status"] == "closed_unresolved":
            return []  # still short of partners: nothing new to say
        gate: dict[str, Any] = {
            "on": on.isoformat(),
            "partners": partners,
            "needed": s.partners_needed,
            "complaints": [c["event_id"] for c in counted],
        }
        case["partner_gate"] = gate
        listed = f" ({', '.join(partners)})" if partners else ""
        partner_words = (
            f"formal complaints about {theme} from {len(partners)} "
            f"partner{'s' if len(partners) != 1 else ''}{listed} in the "
            f"{s.partner_window_months} months to {on.isoformat()}"
        )
        if met:
            why = (
                f"{RULE_PARTNERS}: the local stages are done and the issue is unresolved "
                f"({'; '.join(unresolved)}); {partner_words}"
            )
            return [
                self._escalate(
                    case, s, on, why, complaint_ids=gate["complaints"], cause=cause, urgent=False
                )
            ]
        reason = (
            f"{RULE_PARTNERS}: the issue is unresolved ({'; '.join(unresolved)}) but "
            f"{partner_words}; {s.partners_needed} are needed to go to the gatekeeper"
        )
        return [_move(case, "concluded", "closed_unresolved", on, [reason], cause)]

    def _escalate(
        self,
        case: Case,
        s: CouncilSettings,
        on: dt.date,
        why: str,
        *,
        complaint_ids: Sequence[str],
        cause: Mapping[str, Any] | None,
        urgent: bool,
    ) -> Transition:
        inspectorate = self.routing.get(case["theme"])
        if inspectorate is None:
            raise CitizensError(f"no inspectorate routed for theme {case['theme']!r}")
        request_id = derived_id(
            "inspection.requested", "call_for_action", case["council"], case["case_ref"]
        )
        reason = _clip(
            f"Call for action {case['case_ref']} to {case['council']} on "
            f"\u201c{case['issue']}\u201d. {why}"
        )
        evidence = list(dict.fromkeys([*case["evidence"], *complaint_ids]))
        request: dict[str, Any] = {
            "request_id": request_id,
            "inspectorate": inspectorate,
            "theme": case["theme"],
            "area": case["area"],
            "origin": "call_for_action",
            "reason": reason,
            "evidence": evidence,
            "rule_ids": [RULE_BYPASS if urgent else RULE_PARTNERS],
            "ruleset_version": self.config.version,
            "urgency": "urgent" if urgent else "normal",
            "window_start": on.isoformat(),
            "window_end": add_months(on, s.escalation_window_months).isoformat(),
            "on_site_days": s.escalation_on_site_days,
        }
        if urgent and case["suspected"] == "fraud":
            request["concern"] = "fraud"
        case["escalation"] = {
            "request_id": request_id,
            "on": on.isoformat(),
            "urgency": request["urgency"],
            "reason": reason,
        }
        transition = _move(case, "escalated", "escalated", on, [why], cause, kind="ccfa.escalated")
        transition["inspection_request"] = request
        return transition


# --- state helpers --------------------------------------------------------------------------


def _new_case(
    *,
    case_ref: str,
    council: str,
    area: str,
    issue: str,
    key: str,
    theme: str,
    bodies: list[str],
    on: dt.date,
    stage: str = "referred",
) -> Case:
    """A new case; without a councillor (stage referred) it is an area-wide case."""
    area_wide = stage == "referred"
    return {
        "case_ref": case_ref,
        "council": council,
        "area": area,
        "councillor_ref": None,
        "ward": None,
        "issue": issue,
        "issue_key": key,
        "matter": "other",
        "theme": theme,
        "bodies": bodies,
        "petition_ref": None,
        "area_wide": area_wide,
        "suspected": None,
        "informal_resolution_tried": None,
        "stage": stage,
        "status": "open",
        "committee": OVERVIEW_AND_SCRUTINY if area_wide else None,
        "raised_on": on.isoformat(),
        "referred_on": on.isoformat() if area_wide else None,
        "accepted_on": on.isoformat() if area_wide else None,
        "recommended_on": None,
        "published_on": None,
        "concluded_on": None,
        "escalated_on": None,
        "recommendations": [],
        "recommended_to": [],
        "deadlines": [],
        "responses": [],
        "publications": [],
        "refusal": None,
        "partner_gate": None,
        "escalation": None,
        "history": [
            {
                "stage": stage,
                "status": "open",
                "on": on.isoformat(),
                "reasons": [],
                "event_id": None,
            }
        ],
        "evidence": [],
    }


def _open_area_case(
    case: Case, on: dt.date, reason: str, event_id: str, evidence: list[str]
) -> Transition:
    case["evidence"] = list(evidence)
    case["history"][0].update(reasons=[reason], event_id=event_id)
    transition = _case_transition("area_case.opened", case, None, on, [reason], None)
    transition["caused_by"] = event_id
    transition["petition_ref"] = case["petition_ref"]
    transition["issue_key"] = case["issue_key"]
    transition["evidence"] = list(evidence)
    return transition


def _move(
    case: Case,
    stage: str,
    status: str,
    on: dt.date,
    reasons: list[str],
    cause: Mapping[str, Any] | None,
    kind: str = "ccfa.stage_changed",
) -> Transition:
    """Move a case to a stage (each stage is reached at most once) and say so."""
    before = case["stage"]
    case["stage"], case["status"] = stage, status
    if stage in ("concluded", "escalated"):
        case[f"{stage}_on"] = case[f"{stage}_on"] or on.isoformat()
    cause_id = cause["event_id"] if cause is not None else None
    case["history"].append(
        {
            "stage": stage,
            "status": status,
            "on": on.isoformat(),
            "reasons": reasons,
            "event_id": cause_id,
        }
    )
    return _case_transition(kind, case, before, on, reasons, cause)


def _case_transition(
    kind: str,
    case: Case,
    from_stage: str | None,
    on: dt.date,
    reasons: list[str],
    cause: Mapping[str, Any] | None,
    *key: object,
) -> Transition:
    # Stage changes happen at most once per stage, so (kind, case, stage) is unique;
    # deadline transitions add the deadline to the key.
    parts = key or (case["stage"],)
    return {
        "id": derived_id(kind, case["council"], case["case_ref"], *parts),
        "kind": kind,
        "council": case["council"],
        "area": case["area"],
        "case_ref": case["case_ref"],
        "from_stage": from_stage,
        "to_stage": case["stage"],
        "status": case["status"],
        "on": on.isoformat(),
        "reasons": list(reasons),
        "deadlines": copy.deepcopy(case["deadlines"]),
        "caused_by": cause["event_id"] if cause is not None else None,
    }


def _petition_status(
    petition: Petition, before: str | None, on: dt.date, reasons: list[str], event_id: str
) -> Transition:
    petition["history"].append(
        {
            "status": petition["status"],
            "on": on.isoformat(),
            "reasons": reasons,
            "event_id": event_id,
        }
    )
    return {
        "id": derived_id(
            "petition.status_changed",
            petition["council"],
            petition["petition_ref"],
            petition["status"],
            event_id,
        ),
        "kind": "petition.status_changed",
        "council": petition["council"],
        "area": petition["area"],
        "petition_ref": petition["petition_ref"],
        "case_ref": petition["ccfa_case_ref"],
        "from_status": before,
        "to_status": petition["status"],
        "on": on.isoformat(),
        "reasons": list(reasons),
        "debate_threshold": petition["debate_threshold"],
        "caused_by": event_id,
    }


def _mark_overdue(case: Case, on: dt.date) -> list[Transition]:
    """Mark each deadline passed unmet before `on` as overdue; once per deadline."""
    transitions = []
    for deadline in case["deadlines"]:
        if deadline["met_on"] is not None or deadline["overdue"]:
            continue
        due = _day(deadline["due"])
        if on <= due:
            continue
        deadline["overdue"] = True
        late_from = due + dt.timedelta(days=1)
        what = "respond" if deadline["kind"] == "body_response" else "publish its response"
        reasons = [f"{deadline['body']} did not {what} by {deadline['due']}"]
        transition = _case_transition(
            "ccfa.overdue",
            case,
            case["stage"],
            late_from,
            reasons,
            None,
            deadline["kind"],
            deadline["body"],
            deadline["due"],
        )
        transition["deadline"] = dict(deadline)
        transitions.append(transition)
    return transitions


def _local_stages_done(case: Case) -> dt.date | None:
    """The day every deadline was met or missed, or None while one is still open."""
    days = []
    for deadline in case["deadlines"]:
        candidates = []
        if deadline["met_on"] is not None:
            candidates.append(_day(deadline["met_on"]))
        if deadline["overdue"]:
            candidates.append(_day(deadline["due"]) + dt.timedelta(days=1))
        if not candidates:
            return None
        days.append(min(candidates))
    return max(days) if days else None


def _unresolved(case: Case) -> list[str]:
    """Why the issue is unresolved, in words; empty if it is resolved."""
    why = []
    for deadline in case["deadlines"]:
        if deadline["overdue"]:
            what = "respond" if deadline["kind"] == "body_response" else "publish its response"
            why.append(f"{deadline['body']} did not {what} by {deadline['due']}")
    latest: dict[str, Mapping[str, Any]] = {}
    for response in case["responses"]:
        latest[response["body"]] = response
    for body in case["recommended_to"]:
        if body in latest and not latest[body]["resolved"]:
            why.append(f"{body} responded that the issue is not resolved")
    if case["publications"] and not case["publications"][-1]["resolved"]:
        why.append("the council published its response with the issue unresolved")
    return why


def _partner_complaints(
    case: Case, complaints: Sequence[Mapping[str, Any]], on: dt.date, s: CouncilSettings
) -> list[Mapping[str, Any]]:
    """Partners' formal complaints on the case's theme about its bodies or area, in the window."""
    start = add_months(on, -s.partner_window_months)
    about = {*case["bodies"], case["council"]}
    counted = []
    for complaint in complaints:
        if complaint.get("channel", "partner") != "partner" or not complaint.get("formal", True):
            continue
        if complaint["theme"] != case["theme"] or not complaint.get("partner"):
            continue
        if complaint.get("body") not in about and complaint.get("area") != case["area"]:
            continue
        if start < _day(complaint["occurred_at"]) <= on:
            counted.append(complaint)
    return sorted(counted, key=lambda c: (_day(c["occurred_at"]), c["event_id"]))


def _repeated(case: Case, others: Sequence[Case], s: CouncilSettings) -> Case | None:
    """The councillor's earlier call on the same issue within the repeat period, if any."""
    mine = (_day(case["raised_on"]), case["case_ref"])
    for other in sorted(others, key=lambda c: (c["raised_on"], c["case_ref"])):
        if not _same_councillor(case, other) or other["issue_key"] != case["issue_key"]:
            continue
        theirs = (_day(other["raised_on"]), other["case_ref"])
        if theirs >= mine:
            continue
        if (other.get("refusal") or {}).get("rule") == RULE_CAP:
            continue  # refused for the quota, not on its merits
        if (mine[0] - theirs[0]).days < s.repeat_period_days:
            return other
    return None


def _accepted_in_year(case: Case, others: Sequence[Case], year: str) -> list[str]:
    """The councillor's other calls a committee accepted in this council year."""
    return sorted(
        other["case_ref"]
        for other in others
        if _same_councillor(case, other)
        and other.get("accepted_on")
        and council_year(_day(other["accepted_on"])) == year
    )


def _same_councillor(case: Case, other: Case) -> bool:
    return (
        other["case_ref"] != case["case_ref"]
        and other["council"] == case["council"]
        and other["councillor_ref"] is not None
        and other["councillor_ref"] == case["councillor_ref"]
    )


def _forum_window(
    decisions: list[dict[str, Any]], s: CouncilSettings
) -> tuple[dt.date, list[dict[str, Any]]] | None:
    """The first day enough distinct forums had decided within the window, with those decisions.

    Depends only on the set of decisions, not the order they arrived in.
    """
    for end in decisions:  # sorted by date
        last = _day(end["decided_on"])
        first = last - dt.timedelta(days=s.forum_window_days)
        within = [d for d in decisions if first <= _day(d["decided_on"]) <= last]
        if len({d["forum_ref"] for d in within}) >= s.forums_for_area_case:
            return last, within
    return None


def _require(state: Any, what: str, ref: str, event: Mapping[str, Any]) -> Any:
    if state is None:
        raise CitizensError(f"{event['type']}: unknown {what} {ref} at {event['body']}")
    return state


def _already(state: Mapping[str, Any], event: Mapping[str, Any], key: str, words: str) -> Outcome:
    """An event creating a state that exists: a redelivery changes nothing, anything else is an error."""
    if event["event_id"] in state["evidence"]:
        same = copy.deepcopy(dict(state))
        return Outcome(case=same) if key == "case" else Outcome(petition=same)
    ref = state.get("case_ref") or state.get("petition_ref")
    raise CitizensError(
        f"{event['type']}: {words} {ref} at {event['body']} already exists "
        f"(from event {state['evidence'][0]})"
    )


def _event_day(event: Mapping[str, Any]) -> dt.date:
    return _day(event["occurred_at"])


def _day(value: Any) -> dt.date:
    """A date from a date, a datetime, an ISO date or an ISO date-time (its own local date)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value)
    if len(text) == 10:
        return dt.date.fromisoformat(text)
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_REASON else text[: _MAX_REASON - 1] + "\u2026"
