"""citizens: petitions, forums and Community Calls for Action, from event to escalation.

The state machine is `riskgate.domain.citizens`; this service feeds it the
events from `events.v1` with the facts each step needs (the councillor's
earlier calls, partners' formal complaints), publishes every transition on
`citizens.cases.v1` and every escalation as an `inspection.requested` for the
gatekeeper, then stores the new states (`Cases`), all through one unit of work.
Deadlines pass without any event, so `sweep` (run periodically, and by
`riskgate citizens sweep`) marks them overdue.

The consumer commits a poll as one batch (`poll_batch`, adapters/batching.py), but only the
events that touch no shared state share it: a complaint that no partner made formally leaves
only its processed marker, so a poll of them is one store transaction. An event that reads or
writes the cases (a petition, a call for action, a forum's decision, a partner's formal
complaint) stands alone, as it would unbatched: what the poll holds is stored before it reads,
and its own effects are stored before the next event, so a sweep or a request on another
thread meets the cases as they would have been.

The thresholds and the routing of themes to inspectorates are read from their
live sources at each use, so a changed `citizens.yaml` or `routing.yaml`
reaches an escalation without a restart, as it reaches the risk service.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

from riskgate import topics
from riskgate.adapters.batching import BatchingPublisher, BatchingStore
from riskgate.adapters.bus import Publisher
from riskgate.adapters.store import Read, Store
from riskgate.domain.citizens import (
    EVENT_TYPES,
    CitizensConfig,
    CitizensDesk,
    CitizensError,
    Facts,
    Outcome,
    partner_complaint,
    summarise,
)
from riskgate.service_layer.common import BodyRegistry, InvalidMessage, Processed, envelope
from riskgate.service_layer.repositories.cases import Cases, jsonable
from riskgate.service_layer.unit_of_work import PollBatch, UnitOfWork

SOURCE = "riskgate.citizens"


class Routed(Protocol):
    """A ruleset, as far as the citizens need it: which inspectorate owns each theme."""

    @property
    def routing(self) -> Mapping[str, str]: ...


class RulesNow(Protocol):
    """The live ruleset (`RulesSource`)."""

    def current(self) -> Routed: ...


class ConfigNow(Protocol):
    """The live citizens' configuration (`CitizensConfigSource`)."""

    def current(self) -> CitizensConfig: ...


class CitizensService:
    """Handles the citizens' events and the deadline sweep; lists cases and petitions."""

    GROUP = "citizens"
    # The events it acts on; every other event it passes over, leaving no trace.
    ACTS_ON = frozenset((*EVENT_TYPES, "complaint.received"))

    def __init__(
        self,
        store: Store,
        publisher: Publisher,
        config: ConfigNow,
        rules: RulesNow,
        bodies: BodyRegistry,
        clock: Callable[[], dt.date],
    ) -> None:
        # Everything it stores and publishes goes through these, so that its consumer can
        # commit a poll as one batch (`poll_batch`); outside a batch they pass straight on.
        self._store = BatchingStore(store)
        self._publisher = BatchingPublisher(publisher)
        self.poll_batch = PollBatch(self.GROUP, self._store, self._publisher)
        self._config = config
        self._rules = rules
        self._bodies = bodies.on(self._store)
        self._cases = Cases(self._store)
        self.clock = clock
        self._processed = Processed(self._store, self.GROUP)
        self._ahead = threading.local()  # what the poll in hand on this thread reads ahead

    @property
    def desk(self) -> CitizensDesk:
        """The desk under the configuration and routing in force now."""
        return CitizensDesk(self._config.current(), self._rules.current().routing)

    def handle(self, event: dict[str, Any]) -> None:
        """Apply one event: at most once in effect, however often it is delivered."""
        if event["type"] not in self.ACTS_ON:
            return
        if self._processed.seen(event["event_id"]):
            return
        area = self._bodies.area_of(event["body"]) or event["body"]
        shared = event["type"] != "complaint.received" or partner_complaint(event) is not None
        if shared:
            self._store_what_is_held()  # it reads the cases as they are stored now
        work = UnitOfWork(self.GROUP)
        work.consume(event["event_id"])
        if event["type"] == "complaint.received":
            self._complaint(event, area, work)
        else:
            try:
                outcome = self.desk.apply(event, self._facts(event, area))
            except CitizensError as exc:
                raise InvalidMessage(f"{event['type']} {event['event_id']}: {exc}") from None
            self._gather(work, [outcome], event["occurred_at"])
        work.commit(self._publisher, self._store)
        if shared:  # what it made is stored before the next event, which reads ahead again
            self._store_what_is_held(read_ahead=True)

    def _store_what_is_held(self, read_ahead: bool = False) -> None:
        """Inside a poll's batch, store (and publish) what it holds so far and go on in a new
        one (`read_ahead`: knowing again what the poll's prefetch read, one round trip);
        outside a batch there is nothing held."""
        if not self._store.holding:
            return
        self.poll_batch.restart()
        reads = getattr(self._ahead, "reads", None)
        if read_ahead and reads:
            self._store.read_many(reads)

    def prefetch(self, events: Sequence[dict[str, Any]]) -> None:
        """Read, in one round trip, what a poll's events will read first: whether each event it
        acts on was applied already, and the area of each body the reference data does not
        place. Inside the poll's batch these answer the events' own reads (the marker is the
        service's own; a registration is only ever added before the events about it)."""
        if not self._store.holding:
            return
        reads: dict[Read, None] = {}
        for event in events:
            if event["type"] in self.ACTS_ON:
                reads[self._processed.seen_read(event["event_id"])] = None
                if self._bodies.placed_in(event["body"]) is None:
                    reads[BodyRegistry.get_read(event["body"])] = None
        self._ahead.reads = list(reads)  # read again after an event that stands alone
        if reads:
            self._store.read_many(self._ahead.reads)

    def _facts(self, event: dict[str, Any], area: str) -> Facts:
        payload, council = event["payload"], event["body"]
        kind = event["type"]
        if kind.startswith("petition."):
            return Facts(area=area, petition=self._cases.petition(council, payload["petition_ref"]))
        if kind == "forum.decided":
            return Facts(
                area=area, forum_issue=self._cases.forum_issue(council, payload["issue_ref"])
            )
        case = self._cases.case(council, payload["case_ref"])
        if kind == "ccfa.raised":
            petition_ref = payload.get("petition_ref")
            petition = self._cases.petition(council, petition_ref) if petition_ref else None
            return Facts(area=area, case=case, petition=petition)
        if kind == "ccfa.referred":
            earlier = [
                c
                for c in self._cases.cases(council=council)
                if case is not None
                and c["councillor_ref"] == case["councillor_ref"]
                and c["case_ref"] != case["case_ref"]
            ]
            return Facts(area=area, case=case, earlier_cases=earlier)
        return Facts(area=area, case=case, complaints=self._cases.partner_complaints(area))

    def _complaint(self, event: dict[str, Any], area: str, work: UnitOfWork) -> None:
        """A partner's formal complaint may open the gate for a case closed unresolved."""
        fact = partner_complaint(event, area)
        if fact is None:
            return
        complaints = [*self._cases.partner_complaints(area), fact]
        on = dt.datetime.fromisoformat(event["occurred_at"]).date()
        desk = self.desk
        outcomes = [
            desk.recheck(case, complaints, on)
            for case in self._cases.cases()
            if case["area"] == area and case["status"] == "closed_unresolved"
        ]
        self._gather(work, outcomes, event["occurred_at"])
        work.store(Cases.add_partner_complaint(area, fact))

    def sweep(self, on: dt.date | None = None) -> int:
        """Mark every deadline passed unmet by `on` (default today) overdue; return how many
        transitions that made. Safe to run again: each overdue is raised once."""
        on = on or self.clock()
        desk = self.desk
        outcomes = [
            desk.sweep(case, on, self._cases.partner_complaints(case["area"]))
            for case in self._cases.cases()
            if case["status"] == "open"
        ]
        outcomes = [o for o in outcomes if o.transitions]
        work = UnitOfWork(self.GROUP)
        self._gather(work, outcomes, dt.datetime.combine(on, dt.time(0), dt.UTC).isoformat())
        work.commit(self._publisher, self._store)
        return sum(len(o.transitions) for o in outcomes)

    def _gather(self, work: UnitOfWork, outcomes: Iterable[Outcome], occurred_at: str) -> None:
        """Queue the transitions and escalations to publish, and the new states to store."""
        for outcome in outcomes:
            for transition in outcome.transitions:
                council = transition["council"]
                work.publish(
                    topics.CASES,
                    transition.get("area") or council,
                    _message(
                        transition["id"], "citizens.transition", occurred_at, council, transition
                    ),
                )
                request = transition.get("inspection_request")
                if transition["kind"] == "ccfa.escalated" and request:
                    work.publish(
                        topics.REQUESTS,
                        request["area"],
                        _message(
                            request["request_id"],
                            "inspection.requested",
                            occurred_at,
                            council,
                            request,
                        ),
                    )
            work.store(Cases.keep(outcome))

    # Reads: the repository's, with the views the API and the CLI show.

    def cases(self, council: str | None = None) -> list[dict[str, Any]]:
        """Every call for action (at one council if given), by council and case ref."""
        return self._cases.cases(council)

    def petitions(self, council: str | None = None) -> list[dict[str, Any]]:
        """Every petition (at one council if given), by council and petition ref."""
        return self._cases.petitions(council)

    def partner_complaints(self, area: str) -> list[dict[str, Any]]:
        """The partners' formal complaints in an area, oldest first."""
        return self._cases.partner_complaints(area)

    def calls_for_action(
        self, council: str | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        """The cases as `GET /v1/calls-for-action` lists them, with what is overdue today."""
        today = self.clock()
        return [
            jsonable(summarise(case, today))
            for case in self._cases.cases(council)
            if status is None or case["status"] == status
        ]


def _message(
    event_id: str, type_: str, occurred_at: str, council: str, payload: dict[str, Any]
) -> dict[str, Any]:
    return envelope(
        event_id=event_id,
        type=type_,
        occurred_at=occurred_at,
        source=SOURCE,
        body=council,
        payload=jsonable(payload),
    )
