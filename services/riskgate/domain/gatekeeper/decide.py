"""The gatekeeper's decision on one inspection request, against one body's register.

Every request is rejected, merged, joint, approved or deferred. A decision
names the policy ids that decided it, the reasons in plain words (naming dates
and figures), the ledger figures it used and the policy file's version. Nothing
here reads a clock: the caller passes the day of the decision.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from riskgate.domain.calendar import next_working_day
from riskgate.domain.gatekeeper.gates import GATES, Case, Verdict, bypass_reason
from riskgate.domain.gatekeeper.ledger import ledger_figures
from riskgate.domain.gatekeeper.placement import (
    SEARCH_DAYS,
    NoFitError,
    Placement,
    is_urgent,
    unannounced,
)
from riskgate.domain.gatekeeper.policies import BYPASSABLE_KINDS, PLACEMENT_KINDS, PolicySet
from riskgate.domain.gatekeeper.register import BodyContext
from riskgate.domain.gatekeeper.words import plural, title
from riskgate.domain.ids import derived_id
from riskgate.domain.inspection import Inspection, as_date, on_site_period


def _place(case: Case) -> Verdict:
    """Notice, blackout, cap, rest and urgent place the visit; approve approves or defers it."""
    request, policies, context = case.request, case.policies, case.context
    approve = policies.of_kind("approve")
    assert approve is not None  # load_policies ensures it
    n = int(request["on_site_days"])
    ws, we = case.window_start, case.window_end
    placement = Placement(context, policies, unannounced=unannounced(policies, [request["theme"]]))
    try:
        start, moved = placement.walk(ws, n, urgent=case.urgent)
    except NoFitError as exc:
        return Verdict(
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
        reasons.append(bypass_reason(urgent_policy, case, bypassed))
    with_request, _ = placement.days_12m_with(period)
    ledger = {
        "on_site_days_12m_with_request": with_request,
        "in_progress_during_visit": len(placement.in_progress(period[0], period[-1])),
    }
    inspection_id = derived_id("inspection", request["request_id"])
    inspection = Inspection(
        inspection_id=inspection_id,
        decision_id=derived_id("decision", request["request_id"]),
        body=request["body"],
        area=request["area"],
        theme=request["theme"],
        themes=(request["theme"],),
        lead_inspectorate=request["inspectorate"],
        participants=(request["inspectorate"],),
        window_start=ws,
        window_end=we,
        on_site_days=n,
        on_site_start=period[0],
        on_site_end=period[-1],
        request_ids=(request["request_id"],),
        evidence=tuple(sorted(set(request.get("evidence", [])))),
        status="assigned",
        urgent=case.urgent,
        bypassed=tuple(p.id for p, _ in bypassed),
    )
    moved_from = (
        f"; the start moved from {requested} because of {', '.join(p.id for p, _ in found)}"
        if found
        else ""
    )
    if start <= we:
        reasons.append(
            f"{approve.id}: Approved for {title(request['inspectorate'])}: "
            f"{plural(n, 'on-site working day')} at {request['body']} from {period[0]} to "
            f"{period[-1]}, within the requested window {ws} to {we}{moved_from}."
        )
        return Verdict(
            "approved",
            [*ids, approve.id],
            reasons,
            inspection,
            None,
            list(inspection.bypassed),
            ledger,
        )
    moved_end = start + (we - ws)
    inspection = replace(
        inspection,
        window_start=start,
        window_end=moved_end,
        requested_window_start=ws,
        requested_window_end=we,
    )
    pushed = ", ".join(p.id for p, _ in found) or approve.id
    reasons.append(
        f"Deferred: no on-site start within the requested window {ws} to {we} fits ({pushed}); "
        f"the earliest that fits is {start}, on site to {period[-1]}, so inspection "
        f"{inspection_id} is planned with its window moved to {start} to {moved_end}."
    )
    return Verdict(
        "deferred",
        ids or [approve.id],
        reasons,
        inspection,
        start.isoformat(),
        list(inspection.bypassed),
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
    case = Case(
        request,
        context,
        policies,
        is_urgent(request, policies),
        as_date(request["window_start"]),
        as_date(request["window_end"]),
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
    if inspection is not None:  # a merged or joint inspection now answers to this decision
        inspection = replace(inspection, decision_id=decision_id)
    return {
        "decision_id": decision_id,
        "request_id": request["request_id"],
        "outcome": verdict.outcome,
        "policy_ids": verdict.policy_ids,
        "reasons": [*verdict.reasons, *case.notes],
        "inspection_id": inspection.inspection_id if inspection else None,
        "deferred_until": verdict.deferred_until,
        "bypassed": verdict.bypassed,
        "ledger": {**ledger_figures(context, policies, context.decided_on), **verdict.ledger},
        "inspectorate": request["inspectorate"],
        "theme": request["theme"],
        "area": request["area"],
        "body": request["body"],
        "decided_on": context.decided_on.isoformat(),
        "policy_version": policies.version,
        "inspection": inspection.to_dict() if inspection else None,
    }
