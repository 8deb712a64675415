"""What a step takes and gives (`Facts`, `Outcome`), and the shared moves on a state.

A step never changes the states it is given: it deep-copies what it changes
and returns the copies. Every transition has an id derived from what it is
about, so replaying the same events gives the same ids.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from riskgate.domain.citizens.terms import (
    OVERVIEW_AND_SCRUTINY,
    Case,
    CitizensError,
    ForumIssue,
    Petition,
    Transition,
)
from riskgate.domain.ids import derived_id


@dataclass(frozen=True)
class Facts:
    """What one step needs besides the event; `CitizensDesk` says which step needs which."""

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


def new_case(
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


def open_area_case(
    case: Case, on: dt.date, reason: str, event_id: str, evidence: list[str]
) -> Transition:
    """Record why an area-wide case opened, and say so."""
    case["evidence"] = list(evidence)
    case["history"][0].update(reasons=[reason], event_id=event_id)
    transition = case_transition("area_case.opened", case, None, on, [reason], None)
    transition["caused_by"] = event_id
    transition["petition_ref"] = case["petition_ref"]
    transition["issue_key"] = case["issue_key"]
    transition["evidence"] = list(evidence)
    return transition


def move(
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
    return case_transition(kind, case, before, on, reasons, cause)


def case_transition(
    kind: str,
    case: Case,
    from_stage: str | None,
    on: dt.date,
    reasons: list[str],
    cause: Mapping[str, Any] | None,
    *key: object,
) -> Transition:
    """A transition of a case, as published on `citizens.cases.v1`."""
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


def petition_status(
    petition: Petition, before: str | None, on: dt.date, reasons: list[str], event_id: str
) -> Transition:
    """Record a petition's new status in its history, and say so."""
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


def required(state: Any, what: str, ref: str, event: Mapping[str, Any]) -> Any:
    """The state an event is about; CitizensError if the caller has none."""
    if state is None:
        raise CitizensError(f"{event['type']}: unknown {what} {ref} at {event['body']}")
    return state


def already(state: Mapping[str, Any], event: Mapping[str, Any], key: str, words: str) -> Outcome:
    """An event creating a state that exists: a redelivery changes nothing, else an error."""
    if event["event_id"] in state["evidence"]:
        same = copy.deepcopy(dict(state))
        return Outcome(case=same) if key == "case" else Outcome(petition=same)
    ref = state.get("case_ref") or state.get("petition_ref")
    raise CitizensError(
        f"{event['type']}: {words} {ref} at {event['body']} already exists "
        f"(from event {state['evidence'][0]})"
    )
