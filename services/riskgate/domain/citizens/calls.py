"""The Community Call for Action, stage by stage: raised, referred (or refused), recommended,
answered, concluded or escalated.

Stages of a call for action (`Case["stage"]`), with `Case["status"]`:

    raised ──ccfa.referred──▶ referred ──ccfa.recommended──▶ recommended ──▶ concluded
       │                        ▲                               (responses,   (status resolved
       ├──▶ routed ─────────────┘ (crime and disorder)          publication)   or closed_unresolved)
       ├──▶ refused (status refused: a filter said no)                │              │
       └──▶ escalated (suspected fraud or crime: at once)             └──────────────┴──▶ escalated

Each step takes the event, the `Facts`, the configuration and the routing of
themes to inspectorates, and returns an `Outcome`.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from riskgate.domain.calendar import add_months
from riskgate.domain.citizens import petitions
from riskgate.domain.citizens.config import CitizensConfig, CouncilSettings
from riskgate.domain.citizens.deadlines import information_deadlines, mark_overdue
from riskgate.domain.citizens.escalation import escalate, settle
from riskgate.domain.citizens.state import (
    Facts,
    Outcome,
    already,
    case_transition,
    move,
    new_case,
    required,
)
from riskgate.domain.citizens.terms import (
    COMMITTEE_FINDINGS,
    CRIME_AND_DISORDER,
    FINDING_RULES,
    MATTERS,
    RULE_BYPASS,
    RULE_CAP,
    RULE_CRIME,
    RULE_REPEATED,
    RULE_STATUTORY,
    SUSPICIONS,
    Case,
    CitizensError,
    council_year,
    day_of,
    event_day,
    issue_key,
)

Routing = Mapping[str, str]


def raised(
    event: Mapping[str, Any], facts: Facts, config: CitizensConfig, routing: Routing
) -> Outcome:
    """`ccfa.raised`: a councillor's call; suspected fraud or crime escalates at once."""
    payload, council, on = event["payload"], event["body"], event_day(event)
    if facts.case is not None:
        return already(facts.case, event, "case", "call for action")
    matter = payload.get("matter") or "other"
    if matter not in MATTERS:
        raise CitizensError(f"ccfa.raised: unknown matter {matter!r} (one of {MATTERS})")
    suspected = payload.get("suspected")
    if suspected is not None and suspected not in SUSPICIONS:
        raise CitizensError(f"ccfa.raised: suspected must be one of {SUSPICIONS} or null")
    case = new_case(
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
    transitions = [case_transition("ccfa.stage_changed", case, None, on, [reason], event)]
    outcome = Outcome(case=case, transitions=transitions)
    if case["petition_ref"] and facts.petition is not None:
        outcome.petition = petitions.taken_up(facts.petition, case, on, event, transitions)
    if suspected:
        words = "fraud" if suspected == "fraud" else "criminal behaviour"
        why = (
            f"{RULE_BYPASS}: suspected {words}, so the call goes to the gatekeeper at once, "
            "bypassing the local stages and the partner test"
        )
        s = config.for_council(council)
        transitions.append(
            escalate(
                case,
                s,
                on,
                why,
                complaint_ids=[],
                cause=event,
                urgent=True,
                routing=routing,
                version=config.version,
            )
        )
    return outcome


def referred(
    event: Mapping[str, Any], facts: Facts, config: CitizensConfig, routing: Routing
) -> Outcome:
    """`ccfa.referred`: the committee's gate: appeal routes, crime and disorder, findings,
    repeats and the councillor's cap, in that order."""
    payload, s = event["payload"], config.for_council(event["body"])
    case = required(facts.case, "case", payload["case_ref"], event)
    if event["event_id"] in case["evidence"]:
        return Outcome(case=case)
    committee, on = payload["committee"], day_of(payload["referred_on"])
    finding = payload.get("committee_finding")
    if finding is not None and finding not in COMMITTEE_FINDINGS:
        raise CitizensError(f"ccfa.referred: committee_finding must be one of {COMMITTEE_FINDINGS}")
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
        return _refuse(
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
        transition = move(case, "routed", "open", on, [reason], event)
        return Outcome(case=case, transitions=[transition])
    committee_words = committee.replace("_", " ")
    if finding is not None:
        return _refuse(
            case,
            on,
            FINDING_RULES[finding],
            f"the {committee_words} committee found the call {finding}",
            event,
        )
    refusal = _councillor_filters(case, facts.earlier_cases, on, s)
    if refusal is not None:
        return _refuse(case, on, *refusal, event)
    case["accepted_on"] = on.isoformat()
    case["deadlines"] = information_deadlines(
        case["bodies"], on, s.response_working_days, "referral"
    )
    due = case["deadlines"][0]["due"] if case["deadlines"] else on.isoformat()
    reason = (
        f"accepted by the {committee_words} committee for investigation: "
        f"{', '.join(case['bodies'])} must appear before the committee or provide information "
        f"within {s.response_working_days} working days (by {due})"
    )
    transition = move(case, "referred", "open", on, [reason], event)
    return Outcome(case=case, transitions=[transition, *mark_overdue(case, on)])


def information_requested(
    event: Mapping[str, Any], facts: Facts, config: CitizensConfig, routing: Routing
) -> Outcome:
    """`ccfa.information_requested`: the committee asks bodies for information (again); each
    named body's 20 working days run from this request."""
    payload, s = event["payload"], config.for_council(event["body"])
    case = required(facts.case, "case", payload["case_ref"], event)
    if event["event_id"] in case["evidence"]:
        return Outcome(case=case)
    if case["stage"] not in ("referred", "routed", "recommended"):
        raise CitizensError(
            f"ccfa.information_requested for case {case['case_ref']} at stage {case['stage']}: "
            "a committee asks for information while the call is under investigation"
        )
    on = day_of(payload["requested_on"])
    bodies = list(dict.fromkeys(payload.get("bodies") or case["bodies"]))
    case = copy.deepcopy(case)
    case["evidence"].append(event["event_id"])
    transitions = mark_overdue(case, on)
    # A body's earlier request still open is answered by this one's deadline instead.
    case["deadlines"] = [
        d
        for d in case["deadlines"]
        if not (d["kind"] == "information" and d["body"] in bodies and d["met_on"] is None
                and not d["overdue"])
    ]  # fmt: skip
    fresh = information_deadlines(bodies, on, s.response_working_days, "request for information")
    case["deadlines"] += fresh
    reasons = [
        f"the committee asked {', '.join(bodies)} for information on {on.isoformat()}: each "
        f"must appear or provide it within {s.response_working_days} working days "
        f"(by {fresh[0]['due']})"
    ]
    transitions.append(
        case_transition(
            "ccfa.information_requested", case, case["stage"], on, reasons, event,
            on.isoformat(), *bodies,
        )
    )  # fmt: skip
    return Outcome(case=case, transitions=transitions)


def recommended(
    event: Mapping[str, Any], facts: Facts, config: CitizensConfig, routing: Routing
) -> Outcome:
    """`ccfa.recommended`: the committee's recommendations start the statutory deadlines."""
    payload, s = event["payload"], config.for_council(event["body"])
    case = required(facts.case, "case", payload["case_ref"], event)
    if event["event_id"] in case["evidence"]:
        return Outcome(case=case)
    if case["stage"] not in ("referred", "routed"):
        raise CitizensError(
            f"ccfa.recommended for case {case['case_ref']} at stage {case['stage']}: "
            "recommendations need a case under investigation (stage referred or routed)"
        )
    on = day_of(payload["recommended_on"])
    case = copy.deepcopy(case)
    case["evidence"].append(event["event_id"])
    bodies = list(dict.fromkeys(payload.get("bodies") or case["bodies"]))
    case["recommendations"] = list(payload.get("recommendations") or [])
    case["recommended_to"] = bodies
    case["recommended_on"] = on.isoformat()
    publish_by = add_months(on, s.publish_months)
    case["deadlines"] = [
        *case["deadlines"],  # the information deadlines run on, met or not
        {
            "kind": "council_publication",
            "body": case["council"],
            "due": publish_by.isoformat(),
            "met_on": None,
            "overdue": False,
        },
    ]
    reason = (
        f"recommendations made to {', '.join(bodies)}, which have regard to them (their "
        f"responses are recorded, with no deadline of their own); the council publicises its "
        f"response within {s.publish_months} months (by {publish_by.isoformat()})"
    )
    transitions = [move(case, "recommended", "open", on, [reason], event)]
    transitions += mark_overdue(case, on)
    transitions += settle(case, facts.complaints, on, event, config, routing)
    return Outcome(case=case, transitions=transitions)


def responded(
    event: Mapping[str, Any], facts: Facts, config: CitizensConfig, routing: Routing
) -> Outcome:
    """`ccfa.responded`: a body named in the recommendations responds."""
    payload = event["payload"]
    answer = (day_of(payload["responded_on"]), "body_response", payload["responding_body"])
    return _answer(event, facts, config, routing, *answer, resolved=payload["resolved"])


def published(
    event: Mapping[str, Any], facts: Facts, config: CitizensConfig, routing: Routing
) -> Outcome:
    """`ccfa.published`: the council publishes its response."""
    payload = event["payload"]
    case = required(facts.case, "case", payload["case_ref"], event)
    answer = (day_of(payload["published_on"]), "council_publication", case["council"])
    return _answer(event, facts, config, routing, *answer, resolved=payload["resolved"])


def _answer(
    event: Mapping[str, Any],
    facts: Facts,
    config: CitizensConfig,
    routing: Routing,
    on: dt.date,
    kind: str,
    body: str,
    *,
    resolved: bool,
) -> Outcome:
    """Record a body's response or the council's publication against its deadline."""
    case = required(facts.case, "case", event["payload"]["case_ref"], event)
    if event["event_id"] in case["evidence"]:
        return Outcome(case=case)
    answering = ("referred", "routed") if kind != "council_publication" else ()
    if case["stage"] not in (*answering, "recommended", "concluded", "escalated"):
        follows = (
            "a body responds once the committee has the call"
            if kind != "council_publication"
            else "the council's response follows the committee's recommendations"
        )
        raise CitizensError(
            f"{event['type']} for case {case['case_ref']} at stage {case['stage']}: {follows}"
        )
    case = copy.deepcopy(case)
    case["evidence"].append(event["event_id"])
    transitions = mark_overdue(case, on)
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
    # A body's response meets its information deadline (or, on a case recorded before, its
    # response deadline); after the recommendations it is also the regard it had to them.
    kinds = ("information", "body_response") if kind == "body_response" else (kind,)
    for deadline in case["deadlines"]:
        if deadline["kind"] in kinds and deadline["body"] == body and deadline["met_on"] is None:
            deadline["met_on"] = on.isoformat()
            what = "responded" if kind == "body_response" else "published its response"
            late = " late" if deadline["overdue"] else ""
            reasons = [f"{body} {what}{late} on {on.isoformat()} (due {deadline['due']})"]
            transition = case_transition(
                "ccfa.deadline_met", case, case["stage"], on, reasons, event, kind, body
            )
            transition["deadline"] = dict(deadline)
            transition["late"] = deadline["overdue"]
            transitions.append(transition)
    transitions += settle(case, facts.complaints, on, event, config, routing)
    return Outcome(case=case, transitions=transitions)


def _refuse(case: Case, on: dt.date, rule: str, reason: str, event: Mapping[str, Any]) -> Outcome:
    text = f"{rule}: {reason}"
    case["refusal"] = {"rule": rule, "reason": text, "on": on.isoformat()}
    transition = move(case, "refused", "refused", on, [text], event, kind="ccfa.refused")
    transition["rule"] = rule
    return Outcome(case=case, transitions=[transition])


def _councillor_filters(
    case: Case, earlier_cases: Sequence[Case], on: dt.date, s: CouncilSettings
) -> tuple[str, str] | None:
    """The rule and reason for refusing a councillor's repeat or over-quota call, if any."""
    earlier = _repeated(case, earlier_cases, s)
    if earlier is not None:
        return RULE_REPEATED, (
            f"councillor {case['councillor_ref']} raised the same issue as call "
            f"{earlier['case_ref']} on {earlier['raised_on']}, within the "
            f"{s.repeat_period_days}-day repeat period"
        )
    cap = s.cap_per_councillor_per_year
    if cap is None:
        return None
    year = council_year(on)
    accepted = _accepted_in_year(case, earlier_cases, year)
    if len(accepted) < cap:
        return None
    return RULE_CAP, (
        f"councillor {case['councillor_ref']} already has {len(accepted)} calls "
        f"accepted in council year {year} ({', '.join(accepted)}); the cap is "
        f"{cap} a year"
    )


def _repeated(case: Case, others: Sequence[Case], s: CouncilSettings) -> Case | None:
    """The councillor's earlier call on the same issue within the repeat period, if any."""
    mine = (day_of(case["raised_on"]), case["case_ref"])
    for other in sorted(others, key=lambda c: (c["raised_on"], c["case_ref"])):
        if not _same_councillor(case, other) or other["issue_key"] != case["issue_key"]:
            continue
        theirs = (day_of(other["raised_on"]), other["case_ref"])
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
        and council_year(day_of(other["accepted_on"])) == year
    )


def _same_councillor(case: Case, other: Case) -> bool:
    return (
        other["case_ref"] != case["case_ref"]
        and other["council"] == case["council"]
        and other["councillor_ref"] is not None
        and other["councillor_ref"] == case["councillor_ref"]
    )
