"""The gates a request meets first, in order; the first that decides wins.

`scope`, `programme` and `autonomy` reject; `merge` folds the request into an
open inspection on the same theme; `joint` joins another inspectorate's open
inspection of the body, planned once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from riskgate.domain.calendar import add_months
from riskgate.domain.gatekeeper.placement import Placement
from riskgate.domain.gatekeeper.policies import BYPASSABLE_KINDS, Policy, PolicySet
from riskgate.domain.gatekeeper.register import BodyContext, themes_of, visit_of
from riskgate.domain.gatekeeper.words import (
    GROUND_WORDS,
    ORIGIN_WORDS,
    SUBJECT_WORDS,
    plural,
    theme_words,
    title,
)
from riskgate.domain.inspection import CLOSED, JOINABLE, Inspection, on_site_period


@dataclass
class Case:
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
class Verdict:
    """What a gate or the placement decided, before it becomes a decision."""

    outcome: str
    policy_ids: list[str]
    reasons: list[str]
    inspection: Inspection | None = None
    deferred_until: str | None = None
    bypassed: list[str] = field(default_factory=list)
    ledger: dict[str, Any] = field(default_factory=dict)


def overlaps(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether two windows share a day."""
    return bool(a["window_start"] <= b["window_end"] and b["window_start"] <= a["window_end"])


def windows_of(inspection: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The windows an inspection answers to: the one planned and, if a deferral moved it, the
    one first asked for."""
    planned = {"window_start": inspection["window_start"], "window_end": inspection["window_end"]}
    asked = inspection.get("requested_window_start")
    if not asked:
        return [planned]
    return [planned, {"window_start": asked, "window_end": inspection["requested_window_end"]}]


def meets(inspection: Mapping[str, Any], window: Mapping[str, Any]) -> bool:
    """Whether a requested window shares a day with the inspection's planned or asked window."""
    return any(overlaps(w, window) for w in windows_of(inspection))


def _window_words(inspection: Mapping[str, Any]) -> str:
    words = f"window {inspection['window_start']} to {inspection['window_end']}"
    if inspection.get("requested_window_start"):
        words += (
            f", deferred from the window {inspection['requested_window_start']} to "
            f"{inspection['requested_window_end']} first asked for"
        )
    return words


def by_window(register: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The register in window order, so gates meet inspections alike on every replay."""
    return sorted(register, key=lambda i: (i["window_start"], i["inspection_id"]))


def _scope(policy: Policy, case: Case) -> Verdict | None:
    subject = case.request.get("subject") or "council_services"
    if subject == "council_services":
        return None
    belongs = policy.parameters["belongs"].get(
        subject, "the body that inspects it in its own right"
    )
    about = SUBJECT_WORDS.get(subject, f"{subject}, which is not a council's services")
    return Verdict(
        "rejected",
        [policy.id],
        [
            f"{policy.id}: This request is for the inspection of {about}, not of a council's "
            f"services, so it is not the gatekeeper's to decide: it belongs to {belongs}. "
            "The request is rejected and should be made there."
        ],
    )


def _programme(policy: Policy, case: Case) -> Verdict | None:
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
    return Verdict(
        "rejected",
        [policy.id],
        [
            f"{policy.id}: A request from {title(request['inspectorate'])}'s own programme is "
            f"allowed only with a stated justification on the ground of {allowed}; {given}, "
            "so it is rejected."
        ],
    )


def _autonomy(policy: Policy, case: Case) -> Verdict | None:
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
    return Verdict(
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


def _peer_review(policy: Policy, case: Case) -> Verdict | None:
    """A routine request on a theme that a peer review of the body covered in the last
    `months` is deferred (until `months` after the review) or rejected, naming the review.
    Risk-triggered and urgent requests, and any raising a concern, go ahead."""
    request, decided_on = case.request, case.context.decided_on
    if case.urgent or request.get("concern") or request.get("urgency") == "urgent":
        return None
    if request.get("origin") not in policy.parameters["routine_origins"]:
        return None
    months = policy.parameters["months"]
    since = add_months(decided_on, -months)
    covering = [
        r
        for r in case.context.peer_reviews
        if request["theme"] in r["themes"]
        and since <= dt.date.fromisoformat(r["completed_on"]) <= decided_on
    ]
    if not covering:
        return None
    review = covering[-1]
    completed = dt.date.fromisoformat(review["completed_on"])
    outcome = policy.parameters["outcome"][0]
    until = add_months(completed, months)
    by = f" by {review['reviewer']}" if review.get("reviewer") else ""
    then = f"deferred until {until}" if outcome == "deferred" else "rejected"
    return Verdict(
        outcome,
        [policy.id],
        [
            f"{policy.id}: a peer review{by} of {request['body']} covering "
            f"{theme_words(request['theme'])} completed on {completed} (event "
            f"{review['event_id']}: {review['summary'][:200]}) stands in for routine "
            f"inspection for {months} months, so this routine request is {then}. "
            "Risk-triggered and urgent requests still go ahead."
        ],
        deferred_until=until.isoformat() if outcome == "deferred" else None,
    )


def _merge(policy: Policy, case: Case) -> Verdict | None:
    request, window = case.request, case.window
    for inspection in by_window(case.context.register):
        if inspection["status"] in CLOSED or request["theme"] not in themes_of(inspection):
            continue
        if request["inspectorate"] not in inspection["participants"]:
            continue  # another inspectorate on the same theme joins instead (joint)
        if not meets(inspection, window):
            continue
        merged = replace(
            Inspection.from_dict(inspection),
            request_ids=tuple(sorted({*inspection["request_ids"], request["request_id"]})),
            evidence=tuple(sorted({*inspection["evidence"], *request.get("evidence", [])})),
            urgent=bool(inspection.get("urgent")) or case.urgent,
        )
        visit = visit_of(inspection)
        return Verdict(
            "merged",
            [policy.id],
            [
                f"{policy.id}: {request['body']} already has inspection "
                f"{inspection['inspection_id']} ({inspection['status']}) on "
                f"{theme_words(request['theme'])}, {_window_words(inspection)}, on site "
                f"{visit.start} to {visit.end}, which overlaps the requested window {window['window_start']} to "
                f"{window['window_end']}. Request {request['request_id']} and its "
                f"{plural(len(set(request.get('evidence', []))), 'evidence item')} were merged "
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
            f"both need {ours} on-site days and it comes before {title(current)} "
            "in the lead precedence"
        )
    if rank(current) < rank(joining):
        return current, (
            f"both need {ours} on-site days and it comes before {title(joining)} "
            "in the lead precedence"
        )
    return current, f"both need {ours} on-site days and it already leads"


def _joint(policy: Policy, case: Case) -> Verdict | None:
    request, window = case.request, case.window
    for inspection in by_window(case.context.register):
        if inspection["status"] not in JOINABLE:
            continue
        if inspection["lead_inspectorate"] == request["inspectorate"]:
            continue
        if not meets(inspection, window):
            continue
        theirs, ours = int(inspection["on_site_days"]), int(request["on_site_days"])
        days = max(theirs, ours)
        visit = visit_of(inspection)
        urgent = case.urgent or bool(inspection.get("urgent"))
        bypassed: list[tuple[Policy, str]] = []
        if days > theirs:
            # Planned once, but longer: the longer visit must still fit where it is.
            placement = Placement(
                case.context, case.policies, unannounced=True, exclude=inspection["inspection_id"]
            )
            kinds = ["blackout"] + ([] if urgent else list(BYPASSABLE_KINDS))
            problems = placement.check(visit.start, days, kinds=kinds)
            if problems:
                case.notes.append(
                    f"{policy.id}: {title(request['inspectorate'])} could not join inspection "
                    f"{inspection['inspection_id']}: planning it once for {days} on-site days "
                    f"from {visit.start} would break "
                    + " ".join(f"{p.id} ({reason})" for p, reason in problems)
                )
                continue
            if urgent:
                bypassed = placement.check(visit.start, days, kinds=BYPASSABLE_KINDS)
        lead, why = _lead(policy, inspection, request)
        period = on_site_period(visit.start, days)
        joined = replace(
            Inspection.from_dict(inspection),
            lead_inspectorate=lead,
            theme=request["theme"]
            if lead != inspection["lead_inspectorate"]
            else inspection["theme"],
            themes=tuple(sorted({*themes_of(inspection), request["theme"]})),
            participants=tuple(sorted({*inspection["participants"], request["inspectorate"]})),
            on_site_days=days,
            on_site_start=period[0],
            on_site_end=period[-1],
            request_ids=tuple(sorted({*inspection["request_ids"], request["request_id"]})),
            evidence=tuple(sorted({*inspection["evidence"], *request.get("evidence", [])})),
            urgent=urgent,
            bypassed=tuple(sorted({*inspection.get("bypassed", []), *(p.id for p, _ in bypassed)})),
        )
        others = [title(p) for p in joined.participants if p != lead]
        reasons = [
            f"{policy.id}: {title(request['inspectorate'])} wants {request['body']} on "
            f"{theme_words(request['theme'])} from {window['window_start']} to "
            f"{window['window_end']}, overlapping {title(inspection['lead_inspectorate'])}'s "
            f"inspection {inspection['inspection_id']} ({_window_words(inspection)}), so there "
            f"is one joint inspection "
            f"{inspection['inspection_id']} instead of two: {title(lead)} leads because {why}, "
            f"with {', '.join(others)} taking part. On-site days are planned once: {days} "
            f"(the larger of {theirs} and {ours}), not {theirs + ours}, on site from "
            f"{period[0]} to {period[-1]}."
        ]
        ids = [policy.id]
        urgent_policy = case.policies.of_kind("urgent")
        if bypassed and urgent_policy is not None:
            ids.append(urgent_policy.id)
            reasons.append(bypass_reason(urgent_policy, case, bypassed))
        return Verdict("joint", ids, reasons, joined, bypassed=[p.id for p, _ in bypassed])
    return None


def bypass_reason(urgent: Policy, case: Case, bypassed: Sequence[tuple[Policy, str]]) -> str:
    """Why an urgent request goes ahead past cap and rest, naming what they would have said."""
    concern = case.request.get("concern") or "an urgent"
    return (
        f"{urgent.id}: The request raises a {concern} concern, so it bypasses "
        f"{' and '.join(p.id for p, _ in bypassed)}: "
        + " ".join(f"{p.id} would have said: {reason}" for p, reason in bypassed)
    )


GATES: dict[str, Callable[[Policy, Case], Verdict | None]] = {
    "scope": _scope,
    "programme": _programme,
    "autonomy": _autonomy,
    "peer_review": _peer_review,
    "merge": _merge,
    "joint": _joint,
}
