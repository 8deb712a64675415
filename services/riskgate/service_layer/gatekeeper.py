"""gatekeeper: decide every inspection request, one body at a time, and run the inspections.

Everything the gatekeeper changes is first a message on `gatekeeper.decisions`
(a decision, an override or an inspection update, each carrying the full
snapshot of what it changes); the stored state is a fold of those messages by
`apply`, the same function `rebuild` replays the topic through (both in
`gatekeeper_fold.py`). The body's lock is held while deciding, publishing and
storing, so two gatekeeper processes never decide against the same register at
once. Every change commits through one `UnitOfWork`.

The consumer commits a poll as one batch (`poll_batch`): each decision is made in turn
against the registers as the poll's earlier decisions left them, then the poll publishes
and flushes once and stores once. A body's lock, taken at its first request in the poll,
is held until then; the batch never waits for a lock while holding one (it stores what it
has and lets its locks go first), so two gatekeepers cannot deadlock.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from riskgate import metrics, topics
from riskgate.adapters.batching import BatchingPublisher, BatchingStore
from riskgate.adapters.bus import Publisher
from riskgate.adapters.store import Store
from riskgate.domain import inspection as lifecycle
from riskgate.domain.actors import Actor, service_actor
from riskgate.domain.errors import NotAllowed, NotFound
from riskgate.domain.gatekeeper import BodyContext, PolicySet, burden, decide
from riskgate.domain.ids import derived_id
from riskgate.domain.inspection import Inspection
from riskgate.service_layer.common import Processed, envelope, now_on
from riskgate.service_layer.gatekeeper_fold import (
    GROUP,
    SOURCE,
    apply,
    finding_events,
    rebuild,
    update_id,
    work_messages,
)
from riskgate.service_layer.live_files import LiveFiles
from riskgate.service_layer.repositories import peer_reviews
from riskgate.service_layer.repositories.audit import AuditQuery, AuditTrail, position_of
from riskgate.service_layer.repositories.register import Register
from riskgate.service_layer.triage import TriageDesk
from riskgate.service_layer.unit_of_work import PollBatch, UnitOfWork

log = logging.getLogger(__name__)
Clock = Callable[[], dt.date]
# What the gatekeeper adds to a request when it receives it (not the proposer's fields).
_RECEIPT = ("received_at", "request_event_id", "source", "body", "decision_id", "triage")
Change = Callable[[Inspection], Inspection]

__all__ = ["GatekeeperService", "apply", "rebuild"]  # the fold, from its old home too


# Decisions by policy are the gatekeeper service's own; the policy version says which policies.
POLICY = service_actor("gatekeeper")


def _log_outcome(message: dict[str, Any]) -> None:
    """One log line, and one count, per decision and per override once committed."""
    payload = message["payload"]
    if message["type"] == "gatekeeper.decision":
        metrics.DECISIONS.labels(payload["outcome"]).inc()
        fields = {"policy_ids": payload["policy_ids"], "policy_version": payload["policy_version"]}
    elif message["type"] == "gatekeeper.override":
        metrics.OVERRIDES.labels(payload["outcome"]).inc()
        fields = {
            "previous_outcome": payload["previous_outcome"],
            "justification": payload["justification"],
        }
    else:
        return
    log.info(
        "%s %s: %s",
        message["type"],
        payload["decision_id"],
        payload["outcome"],
        extra={
            "action": message["type"].removeprefix("gatekeeper."),
            "event_id": message["event_id"],
            "decision_id": payload["decision_id"],
            "inspection_request_id": payload.get("request_id"),
            "inspection_id": (payload.get("inspection") or {}).get("inspection_id"),
            "body": message["body"],
            "area": payload["area"],
            "outcome": payload["outcome"],
            "actor": payload["actor"],
            **fields,
        },
    )


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _inspectorate_of(actor: Actor) -> str:
    """The inspectorate an actor acts for; NotAllowed for anyone else."""
    if actor.inspectorate is None:
        raise NotAllowed(f"role {actor.role} is not an inspectorate's")
    return actor.inspectorate


class GatekeeperService:
    GROUP = GROUP

    def __init__(
        self,
        store: Store,
        publisher: Publisher,
        policies: PolicySet | LiveFiles[PolicySet],
        clock: Clock = _today,
    ) -> None:
        # Everything goes through these, so that the consumer can commit a poll as one batch
        # (`poll_batch`); outside a batch (HTTP requests, the scheduler) they pass straight on.
        self._store = BatchingStore(store, hold_locks=True)
        self._publisher = BatchingPublisher(publisher)
        self.poll_batch = PollBatch(GROUP, self._store, self._publisher)
        self._register = Register(self._store)
        self._audit = AuditTrail(self._store)
        self._policies = policies
        self.clock = clock
        self._processed = Processed(self._store, GROUP)
        # Asked of the store itself, past the batch: whether each request the poll's triage
        # will hold was handled before the poll (`prefetch`), taken once each by `seen_held`.
        self._stored = Processed(store, GROUP)
        self._seen_before_poll: dict[str, bool] = {}
        self._triage = TriageDesk(self, self._register)

    @property
    def policies(self) -> PolicySet:
        """The policies in force now: a live source reloads `policies.yaml` when it changes."""
        if isinstance(self._policies, LiveFiles):
            return self._policies.current()
        return self._policies

    def handle(self, event: dict[str, Any]) -> None:
        """Decide an `inspection.requested` (or hold a risk-triggered one for its inspectorate's
        triage); remember an `organisational.assessed`."""
        if event["type"] == "organisational.assessed":
            self._remember_score(event)
        elif event["type"] == "inspection.requested":
            triage = self.policies.triage
            if triage is not None and triage.holds(event["payload"]):
                self._triage.hold(event, triage)
            else:
                self._decide(event)

    def _remember_score(self, event: dict[str, Any]) -> None:
        if self._processed.seen(event["event_id"]):
            return
        work = UnitOfWork(GROUP)
        work.store(lambda batch: apply(self._register, batch, event))
        work.consume(event["event_id"])
        work.commit(self._publisher, self._store)

    def _decide(self, event: dict[str, Any]) -> None:
        body = event["body"]
        with self._register.lock(body):
            # One round trip for everything the decision reads, whether it was decided first:
            # under the lock, so that no other gatekeeper can be deciding it meanwhile.
            seen, stored_register, stored_org, stored_reviews = self._store.read_many(
                [
                    self._processed.seen_read(event["event_id"]),
                    *self._register.context_reads(body),
                    peer_reviews.reviews_read(body),
                ]
            )
            if seen:
                return  # decided already (a redelivery, or another gatekeeper got here first)
            register, org_score = self._register.context_from(stored_register, stored_org)
            decided_on = dt.datetime.fromisoformat(event["occurred_at"]).date()
            context = BodyContext(
                register, org_score, decided_on, body, peer_reviews.reviews_from(stored_reviews)
            )
            request = {
                **event["payload"],
                "received_at": event["occurred_at"],
                "request_event_id": event["event_id"],
                "source": event["source"],
            }
            message = self.decision_message(request, body, event["occurred_at"], context)
            self._commit(message, consumed_event_id=event["event_id"])

    def decision_message(
        self,
        request: dict[str, Any],
        body: str,
        occurred_at: str,
        context: BodyContext | None = None,
    ) -> dict[str, Any]:
        """The `gatekeeper.decision` on a request (its payload with `received_at`,
        `request_event_id` and `source`), decided as of `occurred_at`'s day against `context`
        (read now if not given); call it under the body's lock."""
        if context is None:
            context = self.context(body, dt.datetime.fromisoformat(occurred_at).date())
        fields = {k: request[k] for k in request if k not in _RECEIPT}
        decision = decide({**fields, "body": body}, context, self.policies)
        payload = {
            **{k: v for k, v in decision.items() if k not in ("body", "inspection")},
            "actor": POLICY.to_dict(),
            "request": request,
            "inspection": decision["inspection"],
        }
        return envelope(
            event_id=decision["decision_id"],
            type="gatekeeper.decision",
            occurred_at=occurred_at,
            source=SOURCE,
            body=body,
            payload=payload,
        )

    def _commit(self, *messages: dict[str, Any], consumed_event_id: str | None = None) -> None:
        """Publish the messages (and the work and findings they make), then fold them into the
        store, in one unit of work."""
        work = UnitOfWork(GROUP)
        for message in messages:
            work.publish(topics.DECISIONS, message["payload"]["area"], message)
            for output in work_messages(message):
                work.publish(*output)
            for finding in finding_events(message):
                work.publish(topics.EVENTS, message["payload"]["area"], finding)
        for message in messages:
            work.store(functools.partial(apply, self._register, message=message))
        if consumed_event_id is not None:
            work.consume(consumed_event_id)
        work.commit(self._publisher, self._store)
        for message in messages:  # in a poll batch, once the batch is stored
            self._store.after_commit(functools.partial(_log_outcome, message))

    def commit(self, *messages: dict[str, Any], consumed_event_id: str | None = None) -> None:
        """Publish and fold the messages in one unit of work (the triage desk's path too)."""
        self._commit(*messages, consumed_event_id=consumed_event_id)

    def lock(self, body: str) -> AbstractContextManager[object]:
        """The body's lock, held while deciding against its register."""
        return self._register.lock(body)

    def seen(self, event_id: str) -> bool:
        """Whether the gatekeeper has handled this event already."""
        return self._processed.seen(event_id)

    def prefetch(self, events: list[dict[str, Any]]) -> None:
        """Before a poll's events are handled (on Redis): whether each request the triage will
        hold was handled before, asked of the store in one round trip instead of one a request.
        Only those: a request decided at once reads whether it was decided under its body's
        lock (`_decide`), fresh, so that two gatekeepers never both decide it. The answers
        bypass the batch's overlay, so none of them can stand in for that read."""
        triage = self.policies.triage
        held = (
            [
                e["event_id"]
                for e in events
                if e["type"] == "inspection.requested" and triage.holds(e["payload"])
            ]
            if triage is not None
            else []
        )
        before = self._stored.seen_among(held) if held else set()
        self._seen_before_poll = {event_id: event_id in before for event_id in held}

    def seen_held(self, event_id: str) -> bool:
        """`seen`, for a request the triage holds: what `prefetch` found as the poll began, the
        first time it is asked (the poll's own events may mark it after: asked again, the
        batch answers)."""
        before = self._seen_before_poll.pop(event_id, None)
        return self.seen(event_id) if before is None else before

    @property
    def triage(self) -> TriageDesk:
        """The inspectorates' triage of risk-triggered requests."""
        return self._triage

    def register(self, body: str) -> list[dict[str, Any]]:
        """The body's inspections, every status."""
        return self._register.at(body)

    def org_score(self, body: str) -> int | None:
        return self._register.org_score(body)

    def context(self, body: str, on: dt.date) -> BodyContext:
        return BodyContext(
            register=self.register(body), org_score=self.org_score(body), decided_on=on, body=body,
            peer_reviews=peer_reviews.reviews_of(self._store, body),
        )  # fmt: skip

    def override(
        self, decision_id: str, *, outcome: str, justification: str, actor: Actor,
        start: dt.date | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """Staff (`actor`) override a decision; the original stays in the record beside it.

        `outcome` approved (optionally on `start`) makes or revives the inspection;
        rejected cancels it.
        """
        decision = self._register.decision(decision_id)
        if decision is None:
            raise NotFound(f"no decision {decision_id}")
        body = decision["body"]
        today = self.clock()
        with self._register.lock(body):
            request = self._register.request(decision["request_id"]) or {}
            current = self._inspection_of(decision)
            inspection = lifecycle.override(
                Inspection.from_dict(current) if current else None,
                outcome=outcome,
                decision=decision,
                request=request,
                start=start,
            )
            override_id = derived_id("override", decision_id, len(self.overrides(decision_id)))
            message = envelope(
                event_id=override_id,
                type="gatekeeper.override",
                occurred_at=now_on(today),
                source=f"{SOURCE}:{actor.role}",
                body=body,
                payload={
                    "override_id": override_id,
                    "decision_id": decision_id,
                    "request_id": decision["request_id"],
                    "previous_outcome": self._effective_outcome(decision),
                    "outcome": outcome,
                    "justification": justification,
                    "overridden_by": actor.holder,
                    "overridden_on": today.isoformat(),
                    "actor": actor.to_dict(),
                    "area": decision["area"],
                    "inspection": inspection.to_dict() if inspection else None,
                },
            )
            self._commit(message)
        return message["payload"]

    def reroute(
        self, inspection_id: str, *, inspectorate: str, reason: str, actor: Actor
    ) -> dict[str, Any]:
        """Staff (`actor`) give a declined inspection to another inspectorate."""
        return self._update(
            inspection_id, "rerouted", actor, reason,
            lambda i: lifecycle.reroute(i, to=inspectorate),
        )  # fmt: skip

    def accept(self, inspection_id: str, *, actor: Actor) -> dict[str, Any]:
        """The actor's inspectorate accepts its part in the inspection."""
        by = _inspectorate_of(actor)
        return self._update(
            inspection_id, "accepted", actor, None, lambda i: lifecycle.accept(i, by=by)
        )

    def decline(self, inspection_id: str, *, actor: Actor, reason: str) -> dict[str, Any]:
        """The lead declines the inspection, or a participant steps out of a joint one."""
        by = _inspectorate_of(actor)
        return self._update(
            inspection_id, "declined", actor, reason,
            lambda i: lifecycle.decline(i, by=by, reason=reason),
        )  # fmt: skip

    def schedule(
        self, inspection_id: str, *, actor: Actor, start: dt.date, on_site_days: int
    ) -> dict[str, Any]:
        """The lead sets the on-site dates; refused, with the reasons, if they break notice,
        blackout, cap or rest (checked as of today)."""
        by = _inspectorate_of(actor)

        def change(inspection: Inspection) -> Inspection:
            return lifecycle.schedule(
                inspection,
                by=by,
                start=start,
                on_site_days=on_site_days,
                context=self.context(inspection.body, self.clock()),
                policies=self.policies,
            )

        return self._update(inspection_id, "scheduled", actor, None, change)

    def complete(
        self, inspection_id: str, *, actor: Actor, finding: int, summary: str
    ) -> dict[str, Any]:
        """The lead records the finding; it goes to the risk service as an `inspection.finding`
        event."""
        by = _inspectorate_of(actor)
        return self._update(
            inspection_id, "completed", actor, summary,
            lambda i: lifecycle.complete(
                i, by=by, finding=finding, summary=summary, today=self.clock()
            ),
        )  # fmt: skip

    def _update(
        self, inspection_id: str, action: str, actor: Actor, reason: str | None, change: Change
    ) -> dict[str, Any]:
        """Apply one lifecycle step under the body's lock and commit it as `inspection.updated`,
        naming the actor (`by` is the actor's inspectorate, none for the gatekeeper's re-route)."""
        by = actor.inspectorate
        body = self._register.body_of(inspection_id)
        if body is None:
            raise NotFound(f"no inspection {inspection_id}")
        today = self.clock()
        with self._register.lock(body):
            stored = self._register.inspection(inspection_id)
            assert stored is not None, "the inspection index and the register agree"
            before = Inspection.from_dict(stored)
            after = change(before).to_dict()
            message = envelope(
                event_id=update_id(inspection_id, action, after),
                type="inspection.updated",
                occurred_at=now_on(today),
                source=f"{SOURCE}:{by or 'gatekeeper'}",
                body=body,
                payload={
                    "inspection_id": inspection_id,
                    "action": action,
                    "by": by,
                    "reason": reason,
                    "on": today.isoformat(),
                    "area": after["area"],
                    "removed": sorted(set(before.participants) - set(after["participants"])),
                    "inspection": after,
                    "actor": actor.to_dict(),
                },
            )
            self._commit(message)
        return after

    def inspection(self, inspection_id: str) -> dict[str, Any] | None:
        return self._register.inspection(inspection_id)

    def audit(
        self,
        since: dt.date,
        *,
        until: dt.date | None = None,
        actor: str | None = None,
        action: str | None = None,
        limit: int = 100,
        after: str | None = None,
    ) -> dict[str, Any]:
        """A page of the audit trail, oldest first: `entries`, and `next`, the cursor (`after`)
        for the following page, or None at the end. Days are UTC; `actor` is an id or holder."""
        query = AuditQuery(
            since, until, actor, action, limit, position_of(after) if after else None
        )
        entries, following = self._audit.page(query)
        return {"entries": entries, "next": following}

    def _inspection_of(self, decision: dict[str, Any]) -> dict[str, Any] | None:
        """The decision's inspection, or the one an earlier override of it made."""
        made = [
            o["inspection"]["inspection_id"]
            for o in self.overrides(decision["decision_id"])
            if o.get("inspection")
        ]
        inspection_id = decision["inspection_id"] or (made[-1] if made else None)
        return self.inspection(inspection_id) if inspection_id else None

    def requests(self) -> list[dict[str, Any]]:
        return sorted(self._register.requests(), key=lambda r: (r["received_at"], r["request_id"]))

    def overrides(self, decision_id: str | None = None) -> list[dict[str, Any]]:
        """Overrides in the order they were made (a decision's n-th has the id derived from n)."""
        every = self._register.overrides()
        found = [o for o in every if decision_id is None or o["decision_id"] == decision_id]

        def made(o: dict[str, Any]) -> tuple[str, int, str]:
            ids = (derived_id("override", o["decision_id"], n) for n in range(len(found)))
            n = next((n for n, i in enumerate(ids) if i == o["override_id"]), len(found))
            return o["overridden_on"], n, o["override_id"]

        return sorted(found, key=made)

    def _effective_outcome(self, decision: dict[str, Any]) -> str:
        overrides = self.overrides(decision["decision_id"])
        return overrides[-1]["outcome"] if overrides else str(decision["outcome"])

    def decisions(self) -> list[dict[str, Any]]:
        """Every decision, with any overrides beside it (the original is never changed)."""
        by_decision: dict[str, list[dict[str, Any]]] = {}
        for o in self.overrides():
            by_decision.setdefault(o["decision_id"], []).append(o)
        return sorted(
            (
                {**d, "overrides": by_decision.get(d["decision_id"], [])}
                for d in self._register.decisions()
            ),
            key=lambda d: (d["decided_at"], d["decision_id"]),
        )

    def inspections(self) -> list[dict[str, Any]]:
        """Every inspection at every body."""
        return [i for b in self._register.bodies() for i in self.register(b)]

    def burden(self, body: str, on: dt.date | None = None) -> dict[str, Any]:
        day = on or self.clock()
        return burden(self.context(body, day), self.policies, on_day=day)

    def programme(
        self,
        start: dt.date,
        end: dt.date,
        *,
        inspectorate: str | None = None,
        area: str | None = None,
        theme: str | None = None,
    ) -> list[dict[str, Any]]:
        """Open and done inspections with on-site days between `start` and `end`, by date."""
        chosen = [
            i
            for i in self.inspections()
            if i["status"] not in ("declined", "cancelled")
            and i["on_site_start"] <= end.isoformat()
            and i["on_site_end"] >= start.isoformat()
            and (inspectorate is None or inspectorate in i["participants"])
            and (area is None or i["area"] == area)
            and (theme is None or theme in i.get("themes", [i["theme"]]))
        ]
        return sorted(chosen, key=lambda i: (i["on_site_start"], i["inspection_id"]))
