"""Concluding a call for action, the partner gate, and the inspection request an escalation makes.

A national inspection triggered from below needs the local stages tried first
and formal complaints from more than one partner (`partners_needed`) on the
case's theme; suspected fraud or crime goes straight through. The request goes
to the inspectorate that `routing` gives the theme, which the caller passes in
as it stands at the time of the step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from riskgate.domain.calendar import add_months
from riskgate.domain.citizens.config import CitizensConfig, CouncilSettings
from riskgate.domain.citizens.deadlines import local_stages_done, unresolved
from riskgate.domain.citizens.state import move
from riskgate.domain.citizens.terms import (
    RULE_BYPASS,
    RULE_PARTNERS,
    Case,
    CitizensError,
    Transition,
    clipped,
    day_of,
)
from riskgate.domain.ids import derived_id


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


def settle(
    case: Case,
    complaints: Sequence[Mapping[str, Any]],
    on: dt.date,
    cause: Mapping[str, Any] | None,
    config: CitizensConfig,
    routing: Mapping[str, str],
) -> list[Transition]:
    """Conclude a case whose local stages are done; escalate it if the partner gate is met.

    A case concluded unresolved for want of partners is tested again each time.
    """
    s = config.for_council(case["council"])
    if case["stage"] == "recommended":
        done_on = local_stages_done(case)
        if done_on is None:
            return []
        case["concluded_on"] = done_on.isoformat()
        why = unresolved(case)
        if not why:
            reason = "the local stages are done and every response says it is resolved"
            return [move(case, "concluded", "resolved", done_on, [reason], cause)]
        return _partner_gate(case, s, complaints, done_on, why, cause, config, routing)
    if case["stage"] == "concluded" and case["status"] == "closed_unresolved":
        on = max(on, day_of(case["concluded_on"]))
        return _partner_gate(case, s, complaints, on, unresolved(case), cause, config, routing)
    return []


def _partner_gate(
    case: Case,
    s: CouncilSettings,
    complaints: Sequence[Mapping[str, Any]],
    on: dt.date,
    why_unresolved: list[str],
    cause: Mapping[str, Any] | None,
    config: CitizensConfig,
    routing: Mapping[str, str],
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
            f"({'; '.join(why_unresolved)}); {partner_words}"
        )
        escalation = escalate(
            case,
            s,
            on,
            why,
            complaint_ids=gate["complaints"],
            cause=cause,
            urgent=False,
            routing=routing,
            version=config.version,
        )
        return [escalation]
    reason = (
        f"{RULE_PARTNERS}: the issue is unresolved ({'; '.join(why_unresolved)}) but "
        f"{partner_words}; {s.partners_needed} are needed to go to the gatekeeper"
    )
    return [move(case, "concluded", "closed_unresolved", on, [reason], cause)]


def escalate(
    case: Case,
    s: CouncilSettings,
    on: dt.date,
    why: str,
    *,
    complaint_ids: Sequence[str],
    cause: Mapping[str, Any] | None,
    urgent: bool,
    routing: Mapping[str, str],
    version: str,
) -> Transition:
    """Escalate a case to the gatekeeper: the transition carries its `inspection_request`."""
    inspectorate = routing.get(case["theme"])
    if inspectorate is None:
        raise CitizensError(f"no inspectorate routed for theme {case['theme']!r}")
    request_id = derived_id(
        "inspection.requested", "call_for_action", case["council"], case["case_ref"]
    )
    reason = clipped(
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
        "ruleset_version": version,
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
    transition = move(case, "escalated", "escalated", on, [why], cause, kind="ccfa.escalated")
    transition["inspection_request"] = request
    return transition


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
        if start < day_of(complaint["occurred_at"]) <= on:
            counted.append(complaint)
    return sorted(counted, key=lambda c: (day_of(c["occurred_at"]), c["event_id"]))
