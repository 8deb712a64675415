"""The statutory deadlines of a call for action: met, overdue, and when the local stages end.

After the committee's recommendations each body named responds within 20
working days and the council publishes its response within two months
(`citizens.yaml` holds both). A deadline passes without any event, so the
caller's `sweep` with a date marks it overdue, once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

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
    for response in case["responses"]:
        latest[response["body"]] = response
    for body in case["recommended_to"]:
        if body in latest and not latest[body]["resolved"]:
            why.append(f"{body} responded that the issue is not resolved")
    if case["publications"] and not case["publications"][-1]["resolved"]:
        why.append("the council published its response with the issue unresolved")
    return why


def _duty(deadline: Mapping[str, Any]) -> str:
    return "respond" if deadline["kind"] == "body_response" else "publish its response"
