"""citizens: petitions, forums and Community Calls for Action, from event to escalation.

The state machine is `riskgate.domain.citizens`; this service feeds it the
events from `events.v1` with the facts each step needs (the councillor's
earlier calls, partners' formal complaints), publishes every transition on
`citizens.cases.v1` and every escalation as an `inspection.requested` for the
gatekeeper, then stores the new states. Deadlines pass without any event, so
`sweep` (run periodically, and by `riskgate citizens sweep`) marks them overdue.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from typing import Any

from riskgate import topics
from riskgate.adapters.bus import Publisher
from riskgate.adapters.store import Store, WriteBatch
from riskgate.domain.citizens import (
    CitizensDesk,
    CitizensError,
    Facts,
    Outcome,
    partner_complaint,
    summarise,
)
from riskgate.service_layer.common import BodyRegistry, InvalidMessage, Processed, dumps, envelope

SOURCE = "riskgate.citizens"
TYPES = (
    "petition.submitted", "petition.responded", "forum.decided", "ccfa.raised", "ccfa.referred",
    "ccfa.recommended", "ccfa.responded", "ccfa.published",
)  # fmt: skip
CASES, PETITIONS, FORUMS, COMPLAINTS = "cit:cases", "cit:petitions", "cit:forums", "cit:complaints"


def _key(council: str, ref: str) -> str:
    return f"{council}|{ref}"


class CitizensService:
    GROUP = "citizens"

    def __init__(
        self,
        store: Store,
        publisher: Publisher,
        desk: CitizensDesk,
        bodies: BodyRegistry,
        clock: Callable[[], dt.date],
    ) -> None:
        self._store = store
        self._publisher = publisher
        self.desk = desk
        self._bodies = bodies
        self.clock = clock
        self._processed = Processed(store, self.GROUP)

    # --- the consumer ---------------------------------------------------------------

    def handle(self, event: dict[str, Any]) -> None:
        if event["type"] not in (*TYPES, "complaint.received"):
            return
        if self._processed.seen(event["event_id"]):
            return
        area = self._bodies.area_of(event["body"]) or event["body"]
        if event["type"] == "complaint.received":
            self._complaint(event, area)
            return
        try:
            outcome = self.desk.apply(event, self._facts(event, area))
        except CitizensError as exc:
            raise InvalidMessage(f"{event['type']} {event['event_id']}: {exc}") from None
        self._commit([outcome], event["occurred_at"], event["event_id"])

    def _facts(self, event: dict[str, Any], area: str) -> Facts:
        payload, council = event["payload"], event["body"]
        kind = event["type"]
        if kind.startswith("petition."):
            return Facts(area=area, petition=self._get(PETITIONS, council, payload["petition_ref"]))
        if kind == "forum.decided":
            return Facts(area=area, forum_issue=self._get(FORUMS, council, payload["issue_ref"]))
        case = self._get(CASES, council, payload["case_ref"])
        if kind == "ccfa.raised":
            petition_ref = payload.get("petition_ref")
            petition = self._get(PETITIONS, council, petition_ref) if petition_ref else None
            return Facts(area=area, case=case, petition=petition)
        if kind == "ccfa.referred":
            earlier = [
                c
                for c in self.cases(council=council)
                if case is not None
                and c["councillor_ref"] == case["councillor_ref"]
                and c["case_ref"] != case["case_ref"]
            ]
            return Facts(area=area, case=case, earlier_cases=earlier)
        return Facts(area=area, case=case, complaints=self.partner_complaints(area))

    def _complaint(self, event: dict[str, Any], area: str) -> None:
        """A partner's formal complaint may open the gate for a case closed unresolved."""
        fact = partner_complaint(event, area)
        if fact is None:
            with self._store.transaction() as batch:
                self._processed.mark(batch, event["event_id"])
            return
        complaints = [*self.partner_complaints(area), fact]
        on = dt.datetime.fromisoformat(event["occurred_at"]).date()
        outcomes = [
            self.desk.recheck(case, complaints, on)
            for case in self.cases()
            if case["area"] == area and case["status"] == "closed_unresolved"
        ]
        self._commit(
            outcomes,
            event["occurred_at"],
            event["event_id"],
            extra=lambda b: b.hset(f"{COMPLAINTS}:{area}", {fact["event_id"]: dumps(fact)}),
        )

    def sweep(self, on: dt.date | None = None) -> int:
        """Mark every deadline passed unmet by `on` (default today) overdue; return how many
        transitions that made. Safe to run again: each overdue is raised once."""
        on = on or self.clock()
        outcomes = [
            self.desk.sweep(case, on, self.partner_complaints(case["area"]))
            for case in self.cases()
            if case["status"] == "open"
        ]
        outcomes = [o for o in outcomes if o.transitions]
        self._commit(outcomes, dt.datetime.combine(on, dt.time(0), dt.UTC).isoformat(), None)
        return sum(len(o.transitions) for o in outcomes)

    def _commit(
        self,
        outcomes: Iterable[Outcome],
        occurred_at: str,
        event_id: str | None,
        extra: Callable[[WriteBatch], None] | None = None,
    ) -> None:
        """Publish the transitions and escalations, then store the new states."""
        outcomes = list(outcomes)
        published = False
        for outcome in outcomes:
            for transition in outcome.transitions:
                council = transition["council"]
                area = transition.get("area") or council
                self._publisher.publish(
                    topics.CASES,
                    area,
                    envelope(
                        event_id=transition["id"],
                        type="citizens.transition",
                        occurred_at=occurred_at,
                        source=SOURCE,
                        body=council,
                        payload=_jsonable(transition),
                    ),
                )
                published = True
                request = transition.get("inspection_request")
                if transition["kind"] == "ccfa.escalated" and request:
                    self._publisher.publish(
                        topics.REQUESTS,
                        request["area"],
                        envelope(
                            event_id=request["request_id"],
                            type="inspection.requested",
                            occurred_at=occurred_at,
                            source=SOURCE,
                            body=council,
                            payload=_jsonable(request),
                        ),
                    )
        if published:
            self._publisher.flush()
        with self._store.transaction() as batch:
            for outcome in outcomes:
                if outcome.case is not None:
                    c = outcome.case
                    batch.hset(CASES, {_key(c["council"], c["case_ref"]): dumps(_jsonable(c))})
                if outcome.petition is not None:
                    p = outcome.petition
                    batch.hset(
                        PETITIONS, {_key(p["council"], p["petition_ref"]): dumps(_jsonable(p))}
                    )
                if outcome.forum_issue is not None:
                    f = outcome.forum_issue
                    batch.hset(FORUMS, {_key(f["council"], f["issue_ref"]): dumps(_jsonable(f))})
            if extra is not None:
                extra(batch)
            if event_id is not None:
                self._processed.mark(batch, event_id)

    # --- reads ----------------------------------------------------------------------

    def _get(self, hash_key: str, council: str, ref: str) -> dict[str, Any] | None:
        raw = self._store.hget(hash_key, _key(council, ref))
        return json.loads(raw) if raw else None

    def cases(self, council: str | None = None) -> list[dict[str, Any]]:
        found = (json.loads(v) for v in self._store.hgetall(CASES).values())
        return sorted(
            (c for c in found if council is None or c["council"] == council),
            key=lambda c: (c["council"], c["case_ref"]),
        )

    def petitions(self, council: str | None = None) -> list[dict[str, Any]]:
        found = (json.loads(v) for v in self._store.hgetall(PETITIONS).values())
        return sorted(
            (p for p in found if council is None or p["council"] == council),
            key=lambda p: (p["council"], p["petition_ref"]),
        )

    def partner_complaints(self, area: str) -> list[dict[str, Any]]:
        return sorted(
            (json.loads(v) for v in self._store.hgetall(f"{COMPLAINTS}:{area}").values()),
            key=lambda c: (c["occurred_at"], c["event_id"]),
        )

    def calls_for_action(
        self, council: str | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        """The cases as `GET /v1/calls-for-action` lists them, with what is overdue today."""
        today = self.clock()
        return [
            _jsonable(summarise(case, today))
            for case in self.cases(council)
            if status is None or case["status"] == status
        ]


def _jsonable(value: Any) -> Any:
    """The domain's states are JSON already; dates that slip through become ISO strings."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
