"""Triage: the owning inspectorate determines the need for a risk-triggered inspection.

"The relevant inspectorates will determine the need for inspection primarily on
the basis of the risk judgements" (White Paper chapter 6). A request a risk rule
raises waits on its inspectorate's triage list (`held`); the inspectorate
confirms it, which sends it to the gatekeeper, or declines it with a reason,
which is recorded with the judgement. One still waiting on its due day
(`auto_confirm_working_days` after it arrived) is confirmed automatically, dated
that day, so nothing stalls and a replay confirms it alike. Nothing here reads a
clock: callers pass the day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from riskgate.domain.calendar import add_working_days
from riskgate.domain.errors import Conflict, NotAllowed
from riskgate.domain.gatekeeper.policies import Triage
from riskgate.domain.gatekeeper.words import title
from riskgate.domain.inspection import as_date

IN_TRIAGE = "in_triage"
CONFIRMED = "confirmed"
DECLINED = "declined"
AUTO_CONFIRMED = "auto_confirmed"
STATES: tuple[str, ...] = (IN_TRIAGE, CONFIRMED, DECLINED, AUTO_CONFIRMED)
# What the audit trail calls each step.
ACTIONS = {
    IN_TRIAGE: "triage_held",
    CONFIRMED: "triage_confirmed",
    DECLINED: "triage_declined",
    AUTO_CONFIRMED: "triage_auto_confirmed",
}


def held(
    request: Mapping[str, Any], body: str, received_at: str, triage: Triage
) -> dict[str, Any]:
    """The triage record of a request that now waits for its inspectorate."""
    received_on = as_date(dt.datetime.fromisoformat(received_at))
    due = add_working_days(received_on, triage.auto_confirm_working_days)
    return {
        "request_id": request["request_id"],
        "body": body,
        "area": request["area"],
        "inspectorate": request["inspectorate"],
        "theme": request["theme"],
        "rule_ids": list(request.get("rule_ids", [])),
        "reason": request["reason"],
        "year": received_on.year,
        "received_on": received_on.isoformat(),
        "due": due.isoformat(),
        "state": IN_TRIAGE,
        "on": received_on.isoformat(),
        "by": None,
        "decline_reason": None,
        "reasons": [
            f"Raised by {', '.join(request.get('rule_ids', [])) or 'a risk rule'}: it waits for "
            f"{title(request['inspectorate'])} to determine the need for inspection; unless "
            f"confirmed or declined, it is confirmed automatically on {due.isoformat()} "
            f"({triage.auto_confirm_working_days} working days after it arrived)."
        ],
    }


def _must_be_waiting(record: Mapping[str, Any]) -> None:
    if record["state"] != IN_TRIAGE:
        raise Conflict(
            f"request {record['request_id']} is not in triage: its state is {record['state']}",
            {"state": [f"is {record['state']}, not {IN_TRIAGE}"]},
        )


def _must_own(record: Mapping[str, Any], by: str) -> None:
    if record["inspectorate"] != by:
        raise NotAllowed(
            f"only {record['inspectorate']}, the owning inspectorate, may triage request "
            f"{record['request_id']}"
        )


def confirm(record: Mapping[str, Any], *, by: str, holder: str, on: dt.date) -> dict[str, Any]:
    """The owning inspectorate confirms the need: the request goes to the gatekeeper."""
    _must_own(record, by)
    _must_be_waiting(record)
    return {
        **record,
        "state": CONFIRMED,
        "on": on.isoformat(),
        "by": holder,
        "reasons": [
            *record["reasons"],
            f"Confirmed by {title(by)} ({holder}) on {on.isoformat()}: sent to the gatekeeper.",
        ],
    }


def decline(
    record: Mapping[str, Any], *, by: str, holder: str, on: dt.date, reason: str
) -> dict[str, Any]:
    """The owning inspectorate declines the need, with its reason; recorded with the judgement."""
    _must_own(record, by)
    _must_be_waiting(record)
    return {
        **record,
        "state": DECLINED,
        "on": on.isoformat(),
        "by": holder,
        "decline_reason": reason,
        "reasons": [
            *record["reasons"],
            f"Declined by {title(by)} ({holder}) on {on.isoformat()}: {reason}",
        ],
    }


def auto_confirm(record: Mapping[str, Any]) -> dict[str, Any]:
    """Confirm a request still waiting on its due day, dated that day."""
    _must_be_waiting(record)
    return {
        **record,
        "state": AUTO_CONFIRMED,
        "on": record["due"],
        "by": None,
        "reasons": [
            *record["reasons"],
            f"Not confirmed or declined by {record['due']}: confirmed automatically and sent "
            "to the gatekeeper, so that it does not stall.",
        ],
    }


def overdue(record: Mapping[str, Any], today: dt.date) -> bool:
    """Whether a waiting request's due day has come."""
    return record["state"] == IN_TRIAGE and as_date(record["due"]) <= today
