"""Petitions and neighbourhood forums: debate thresholds, and the area-wide cases they open.

A petition with enough signatures must be debated; with more, it opens an
area-wide case. So do decisions by enough different forums on one issue
within a window. An area-wide case has no councillor: it opens at stage
`referred`, straight with the overview and scrutiny committee.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from typing import Any

from riskgate.domain.citizens.config import CouncilSettings
from riskgate.domain.citizens.state import (
    Facts,
    Outcome,
    already,
    new_case,
    open_area_case,
    petition_status,
    required,
)
from riskgate.domain.citizens.terms import (
    RULE_AREA_FORUMS,
    RULE_AREA_PETITION,
    RULE_DEBATE,
    Case,
    CitizensError,
    Petition,
    Transition,
    day_of,
    event_day,
    issue_key,
)


def submitted(event: Mapping[str, Any], facts: Facts, s: CouncilSettings) -> Outcome:
    """`petition.submitted`: a new petition, due a debate or not, perhaps an area-wide case."""
    payload, council, on = event["payload"], event["body"], event_day(event)
    if facts.petition is not None:
        return already(facts.petition, event, "petition", "petition")
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
    transitions = [petition_status(petition, None, on, reasons, event["event_id"])]
    outcome = Outcome(petition=petition, transitions=transitions)
    if area_wide:
        reason = (
            f"{RULE_AREA_PETITION}: petition {petition['petition_ref']} has "
            f"{signatures:,} signatures, at least the area-wide threshold of "
            f"{s.area_wide_threshold:,}"
        )
        case = new_case(
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
        transitions.append(open_area_case(case, on, reason, event["event_id"], [event["event_id"]]))
        outcome.case = case
    return outcome


def responded(event: Mapping[str, Any], facts: Facts, s: CouncilSettings) -> Outcome:
    """`petition.responded`: the council's response, with a debate date or not."""
    payload, on = event["payload"], day_of(event["payload"]["responded_on"])
    petition = required(facts.petition, "petition", payload["petition_ref"], event)
    if event["event_id"] in petition["evidence"]:
        return Outcome(petition=petition)
    petition = copy.deepcopy(petition)
    petition["evidence"].append(event["event_id"])
    petition["responded_on"] = on.isoformat()
    petition["outcome"] = payload["outcome"]
    if payload.get("debate_on"):
        petition["debate_on"] = day_of(payload["debate_on"]).isoformat()
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
        transitions=[petition_status(petition, before, on, reasons, event["event_id"])],
    )


def forum_decided(event: Mapping[str, Any], facts: Facts, s: CouncilSettings) -> Outcome:
    """`forum.decided`: one forum's decision on an issue; enough of them open an area-wide case."""
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
            "decided_on": day_of(payload["decided_on"]).isoformat(),
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
    case = new_case(
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
    outcome.transitions.append(open_area_case(case, on, reason, event["event_id"], evidence))
    outcome.case = case
    return outcome


def taken_up(
    petition: Petition,
    case: Case,
    on: dt.date,
    event: Mapping[str, Any],
    transitions: list[Transition],
) -> Petition | None:
    """A petition a councillor takes up as a call for action (None if another call has it)."""
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
    transitions.append(petition_status(petition, before, on, [reason], event["event_id"]))
    return petition


def _forum_window(
    decisions: list[dict[str, Any]], s: CouncilSettings
) -> tuple[dt.date, list[dict[str, Any]]] | None:
    """The first day enough distinct forums had decided within the window, with those decisions.

    Depends only on the set of decisions, not the order they arrived in.
    """
    for end in decisions:  # sorted by date
        last = day_of(end["decided_on"])
        first = last - dt.timedelta(days=s.forum_window_days)
        within = [d for d in decisions if first <= day_of(d["decided_on"]) <= last]
        if len({d["forum_ref"] for d in within}) >= s.forums_for_area_case:
            return last, within
    return None
