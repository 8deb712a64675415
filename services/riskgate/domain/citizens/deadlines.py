"""The statutory deadlines of a call for action: met, overdue, and when the local stages end.

White Paper 3.35: from the referral (or a later request for information) each
body named must "appear before the committee or provide information to the
committee within 20 working days"; after the committee's recommendations the
council must publicise its response within two months (`citizens.yaml` holds
both). The bodies "have regard to" the recommendations: their responses are
recorded, with no deadline of their own. A deadline passes without any event,
so the caller's `sweep` with a date marks it overdue, once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from riskgate.domain.calendar import add_working_days
from riskgate.domain.citizens.state import case_transition
from riskgate.domain.citizens.terms import Case, Transition, day_of


def mark_overdue(case: Case, on: dt.date) -> list[Transition]:
    """Mark each deadline passed unmet before `on` as overdue; once per deadline."""
    transitions = []
    for deadline in case["deadlines"]:
        if deadline["met_on"] is not None or deadline["overdue"]:
            continue
        due = day_of(deadline["due"])
        if on <= due:
            continue
        deadline["overdue"] = True
        late_from = due + dt.timedelta(days=1)
        reasons = [f"{deadline['body']} did not {_duty(deadline)} by {deadline['due']}"]
        transition = case_transition(
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


def local_stages_done(case: Case) -> dt.date | None:
    """The day every deadline was met or missed, or None while one is still open."""
    days = []
    for deadline in case["deadlines"]:
        candidates = []
        if deadline["met_on"] is not None:
            candidates.append(day_of(deadline["met_on"]))
        if deadline["overdue"]:
            candidates.append(day_of(deadline["due"]) + dt.timedelta(days=1))
        if not candidates:
            return None
        days.append(min(candidates))
    return max(days) if days else None


def unresolved(case: Case) -> list[str]:
    """Why the issue is unresolved, in words; empty if it is resolved."""
    why = []
    for deadline in case["deadlines"]:
        if deadline["overdue"]:
            why.append(f"{deadline['body']} did not {_duty(deadline)} by {deadline['due']}")
    latest: dict[str, Mapping[str, Any]] = {}
    since = case.get("recommended_on") or ""
    for response in case["responses"]:
        if response["on"] >= since:  # the regard had to the recommendations, not earlier answers
            latest[response["body"]] = response
    for body in case["recommended_to"]:
        if body in latest and not latest[body]["resolved"]:
            why.append(f"{body} responded that the issue is not resolved")
    if case["publications"] and not case["publications"][-1]["resolved"]:
        why.append("the council published its response with the issue unresolved")
    return why


def _duty(deadline: Mapping[str, Any]) -> str:
    if deadline["kind"] == "council_publication":
        return "publish its response"
    if deadline["kind"] == "information":
        return "appear before the committee or provide information"
    return "respond"


def information_deadlines(
    bodies: Sequence[str], on: dt.date, working_days: int, asked: str
) -> list[dict[str, Any]]:
    """Each body's deadline to appear or provide information, `working_days` from `on`."""
    due = add_working_days(on, working_days).isoformat()
    return [
        {
            "kind": "information",
            "body": body,
            "due": due,
            "from": on.isoformat(),
            "asked": asked,
            "met_on": None,
            "overdue": False,
        }
        for body in bodies
    ]
