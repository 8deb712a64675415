"""The citizens' desk: applies one event to its state under a configuration and a routing.

A pure, deterministic state machine. `CitizensDesk.apply` takes one event
envelope plus the facts the step needs (`Facts`) and returns the changed
states and the transitions to publish (`Outcome`). Time comes only from the
events (`occurred_at` or the payload's own dates) and from the `on` date the
caller gives `sweep` and `recheck`; never from the wall clock.

What each event needs from the caller (`Facts`):

| event | state | other facts |
|---|---|---|
| petition.submitted | petition (None if new) | area |
| petition.responded | petition | |
| forum.decided | forum_issue for (council, issue_ref) (None if new) | area |
| ccfa.raised | case (None if new) | area; petition when the payload names one |
| ccfa.referred | case | earlier_cases: the councillor's other cases at this council |
| ccfa.information_requested | case | |
| ccfa.recommended, ccfa.responded, ccfa.published | case | complaints (partners' formal complaints) |
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from riskgate.domain.citizens import calls, petitions
from riskgate.domain.citizens.config import CitizensConfig, CouncilSettings
from riskgate.domain.citizens.deadlines import mark_overdue
from riskgate.domain.citizens.escalation import settle
from riskgate.domain.citizens.state import Facts, Outcome
from riskgate.domain.citizens.terms import Case, CitizensError

PetitionStep = Callable[[Mapping[str, Any], Facts, CouncilSettings], Outcome]
CallStep = Callable[[Mapping[str, Any], Facts, CitizensConfig, Mapping[str, str]], Outcome]

PETITION_STEPS: dict[str, PetitionStep] = {
    "petition.submitted": petitions.submitted,
    "petition.responded": petitions.responded,
    "forum.decided": petitions.forum_decided,
}
CALL_STEPS: dict[str, CallStep] = {
    "ccfa.raised": calls.raised,
    "ccfa.referred": calls.referred,
    "ccfa.information_requested": calls.information_requested,
    "ccfa.recommended": calls.recommended,
    "ccfa.responded": calls.responded,
    "ccfa.published": calls.published,
}


class CitizensDesk:
    """Applies citizens' events to their states under one configuration and theme routing.

    Cheap to build: a caller whose configuration or routing can change builds one per use.
    """

    def __init__(self, config: CitizensConfig, routing: Mapping[str, str]) -> None:
        self.config = config
        self.routing = dict(routing)

    def apply(self, event: Mapping[str, Any], facts: Facts | None = None) -> Outcome:
        """Apply one event envelope. An event already applied to its state changes nothing."""
        kind = event.get("type", "")
        facts = facts or Facts()
        if kind in PETITION_STEPS:
            return PETITION_STEPS[kind](event, facts, self.config.for_council(event["body"]))
        if kind in CALL_STEPS:
            return CALL_STEPS[kind](event, facts, self.config, self.routing)
        raise CitizensError(f"not a citizens' event type: {event.get('type')!r}")

    def sweep(
        self, case: Case, on: dt.date, complaints: Sequence[Mapping[str, Any]] = ()
    ) -> Outcome:
        """Mark deadlines passed unmet by `on` as overdue (once each); conclude if the local
        stages are now done. Call it periodically and whenever an event moves time on."""
        case = copy.deepcopy(case)
        transitions = mark_overdue(case, on)
        transitions += settle(case, complaints, on, None, self.config, self.routing)
        return Outcome(case=case, transitions=transitions)

    def recheck(self, case: Case, complaints: Sequence[Mapping[str, Any]], on: dt.date) -> Outcome:
        """Test a closed, unresolved case's partner gate again (say, after a new complaint)."""
        case = copy.deepcopy(case)
        transitions = (
            mark_overdue(case, on) if case["stage"] in ("referred", "routed", "recommended") else []
        )
        transitions += settle(case, complaints, on, None, self.config, self.routing)
        return Outcome(case=case, transitions=transitions)
