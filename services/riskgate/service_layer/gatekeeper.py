"""gatekeeper: decide every inspection request, one body at a time, and run the inspections.

Everything the gatekeeper changes is first a message on `gatekeeper.decisions`
(a decision, an override or an inspection update, each carrying the full
snapshot of what it changes); the stored state is a fold of those messages by
`apply`, the same function `rebuild` replays the topic through. The body's lock
is held while deciding, publishing and storing, so two gatekeeper processes
never decide against the same register at once.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from typing import Any

from riskgate import failpoints, topics
from riskgate.adapters.bus import Publisher
from riskgate.adapters.store import Store, WriteBatch
from riskgate.domain.gatekeeper import (
    CLOSED,
    BodyContext,
    PolicySet,
    burden,
    check_schedule,
    decide,
    on_site_period,
)
from riskgate.domain.ids import derived_id
from riskgate.service_layer.common import Processed, dumps, envelope, now_on

SOURCE = "riskgate.gatekeeper"
DECISION_FIELDS = (
    "decision_id", "request_id", "outcome", "policy_ids", "reasons", "inspection_id",
    "deferred_until", "bypassed", "ledger", "inspectorate", "theme", "area", "decided_on",
    "policy_version",
)  # fmt: skip
INSPECTION_FIELDS = (
    "inspection_id", "decision_id", "lead_inspectorate", "participants", "theme", "themes",
    "area", "window_start", "window_end", "on_site_start", "on_site_end", "on_site_days",
    "request_ids", "evidence", "status", "urgent", "bypassed",
)  # fmt: skip
OUTCOME_FIELDS = ("finding", "summary", "declined_reason")
Clock = Callable[[], dt.date]


class LifecycleError(ValueError):
    """An inspectorate's or the gatekeeper's command cannot be carried out; `status` is HTTP."""

    def __init__(self, status: int, message: str, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.status = status
        self.errors = errors or {}


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


class GatekeeperService:
    GROUP = "gatekeeper"

    def __init__(
        self, store: Store, publisher: Publisher, policies: PolicySet, clock: Clock = _today
    ) -> None:
        self._store = store
        self._publisher = publisher
        self.policies = policies
        self.clock = clock
        self._processed = Processed(store, self.GROUP)

    # --- the consumer ---------------------------------------------------------------

    def handle(self, event: dict[str, Any]) -> None:
        """Decide an `inspection.requested`; remember an `organisational.assessed`."""
        if event["type"] == "organisational.assessed":
            self._remember_score(event)
        elif event["type"] == "inspection.requested":
            self._decide(event)

    def _remember_score(self, event: dict[str, Any]) -> None:
        if self._processed.seen(event["event_id"]):
            return
        with self._store.transaction() as batch:
            apply(batch, event)
            self._processed.mark(batch, event["event_id"])

    def _decide(self, event: dict[str, Any]) -> None:
        if self._processed.seen(event["event_id"]):
            return
        body = event["body"]
        request = {**event["payload"], "body": body}
        with self._store.lock(f"lock:gk:{body}"):
            if self._processed.seen(event["event_id"]):
                return  # another gatekeeper decided it while we waited for the lock
            decided_on = dt.datetime.fromisoformat(event["occurred_at"]).date()
            decision = decide(request, self.context(body, decided_on), self.policies)
            payload = {
                **{k: decision[k] for k in DECISION_FIELDS},
                "request": {
                    **event["payload"],
                    "received_at": event["occurred_at"],
                    "request_event_id": event["event_id"],
                    "source": event["source"],
                },
                "inspection": _snapshot(decision["inspection"], body),
            }
            message = envelope(
                event_id=decision["decision_id"],
                type="gatekeeper.decision",
                occurred_at=event["occurred_at"],
                source=SOURCE,
                body=body,
                payload=payload,
            )
            self._commit(message, event["event_id"])

    def _commit(self, message: dict[str, Any], consumed_event_id: str | None = None) -> None:
        """Publish the message (and the work it changes) first, then fold it into the store."""
        self._publisher.publish(topics.DECISIONS, message["payload"]["area"], message)
        for work in _work_messages(message):
            self._publisher.publish(*work)
        if message["type"] == "inspection.updated" and message["payload"]["action"] == "completed":
            for finding in _finding_events(message):
                self._publisher.publish(topics.EVENTS, message["payload"]["area"], finding)
        self._publisher.flush()
        failpoints.hit("gatekeeper.exit_after_publish")
        with self._store.transaction() as batch:
            apply(batch, message)
            if consumed_event_id is not None:
                self._processed.mark(batch, consumed_event_id)

    # --- context ----------------------------------------------------------------------

    def register(self, body: str) -> list[dict[str, Any]]:
        """The body's inspections, every status."""
        return [json.loads(v) for v in self._store.hgetall(f"gk:register:{body}").values()]

    def org_score(self, body: str) -> int | None:
        raw = self._store.hget("gk:org", body)
        return int(json.loads(raw)["score"]) if raw else None

    def context(self, body: str, on: dt.date) -> BodyContext:
        return BodyContext(
            register=self.register(body), org_score=self.org_score(body), decided_on=on, body=body
        )

    # --- the gatekeeper's commands ---------------------------------------------------

    def override(
        self, decision_id: str, *, outcome: str, justification: str, by: str,
        start: dt.date | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        """Staff override a decision; the original stays in the record beside the override.

        `outcome` approved (optionally on `start`) makes or revives the inspection;
        rejected cancels it.
        """
        raw = self._store.hget("gk:decisions", decision_id)
        if raw is None:
            raise LifecycleError(404, f"no decision {decision_id}")
        decision = json.loads(raw)
        body = decision["body"]
        today = self.clock()
        with self._store.lock(f"lock:gk:{body}"):
            request = json.loads(self._store.hget("gk:requests", decision["request_id"]) or "{}")
            current = self._inspection_of(decision)
            inspection = _overridden(current, request, decision, outcome, start, body)
            override_id = derived_id("override", decision_id, len(self.overrides(decision_id)))
            message = envelope(
                event_id=override_id,
                type="gatekeeper.override",
                occurred_at=now_on(today),
                source=f"{SOURCE}:{by}",
                body=body,
                payload={
                    "override_id": override_id,
                    "decision_id": decision_id,
                    "request_id": decision["request_id"],
                    "previous_outcome": self._effective_outcome(decision),
                    "outcome": outcome,
                    "justification": justification,
                    "overridden_by": by,
                    "overridden_on": today.isoformat(),
                    "area": decision["area"],
                    "inspection": _snapshot(inspection, body),
                },
            )
            self._commit(message)
        return message["payload"]

    def reroute(self, inspection_id: str, *, inspectorate: str, reason: str) -> dict[str, Any]:
        """Give a declined inspection to another inspectorate (role: gatekeeper)."""

        def change(inspection: dict[str, Any]) -> dict[str, Any]:
            if inspection["status"] != "declined":
                raise LifecycleError(
                    409,
                    f"only a declined inspection can be re-routed; it is {inspection['status']}",
                )
            return {
                **inspection,
                "lead_inspectorate": inspectorate,
                "participants": [inspectorate],
                "status": "assigned",
                "accepted_by": [],
            }

        return self._update(inspection_id, "rerouted", None, reason, change)

    # --- the inspectorates' commands --------------------------------------------------

    def accept(self, inspection_id: str, *, by: str) -> dict[str, Any]:
        def change(inspection: dict[str, Any]) -> dict[str, Any]:
            _must_take_part(inspection, by)
            _must_be(inspection, ("assigned", "accepted"), "accept")
            accepted = sorted({*inspection.get("accepted_by", []), by})
            status = "accepted" if by == inspection["lead_inspectorate"] else inspection["status"]
            return {**inspection, "accepted_by": accepted, "status": status}

        return self._update(inspection_id, "accepted", by, None, change)

    def decline(self, inspection_id: str, *, by: str, reason: str) -> dict[str, Any]:
        def change(inspection: dict[str, Any]) -> dict[str, Any]:
            _must_take_part(inspection, by)
            _must_be(inspection, ("assigned", "accepted"), "decline")
            if by != inspection["lead_inspectorate"]:  # a participant steps out of a joint one
                return {
                    **inspection,
                    "participants": [p for p in inspection["participants"] if p != by],
                }
            return {**inspection, "status": "declined", "declined_reason": reason}

        return self._update(inspection_id, "declined", by, reason, change)

    def schedule(
        self, inspection_id: str, *, by: str, start: dt.date, on_site_days: int
    ) -> dict[str, Any]:
        """Set the on-site dates; refused, with the reasons, if they break notice, blackout,
        cap or rest (checked as of today)."""

        def change(inspection: dict[str, Any]) -> dict[str, Any]:
            _must_lead(inspection, by, "schedule")
            _must_be(inspection, ("accepted", "scheduled"), "schedule")
            context = self.context(inspection["body"], self.clock())
            reasons = check_schedule(inspection, start, on_site_days, context, self.policies)
            if reasons:
                raise LifecycleError(
                    409, "the gatekeeper refuses this schedule", {"start": reasons}
                )
            days = on_site_period(start, on_site_days)
            return {
                **inspection,
                "status": "scheduled",
                "on_site_start": days[0].isoformat(),
                "on_site_end": days[-1].isoformat(),
                "on_site_days": on_site_days,
            }

        return self._update(inspection_id, "scheduled", by, None, change)

    def complete(
        self, inspection_id: str, *, by: str, finding: int, summary: str
    ) -> dict[str, Any]:
        """Record the finding; it goes to the risk service as an `inspection.finding` event."""

        def change(inspection: dict[str, Any]) -> dict[str, Any]:
            _must_lead(inspection, by, "complete")
            _must_be(inspection, ("scheduled", "on_site"), "complete")
            if dt.date.fromisoformat(inspection["on_site_start"]) > self.clock():
                raise LifecycleError(
                    409, f"the on-site visit starts on {inspection['on_site_start']}; "
                    "an inspection is completed after it",
                )  # fmt: skip
            return {**inspection, "status": "completed", "finding": finding, "summary": summary}

        return self._update(inspection_id, "completed", by, summary, change)

    def _update(
        self,
        inspection_id: str,
        action: str,
        by: str | None,
        reason: str | None,
        change: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> dict[str, Any]:
        body = self._store.hget("gk:inspections", inspection_id)
        if body is None:
            raise LifecycleError(404, f"no inspection {inspection_id}")
        today = self.clock()
        with self._store.lock(f"lock:gk:{body}"):
            raw = self._store.hget(f"gk:register:{body}", inspection_id)
            assert raw is not None, "the inspection index and the register agree"
            before = json.loads(raw)
            after = change(before)
            message = envelope(
                event_id=derived_id("inspection.updated", inspection_id, action, dumps(after)),
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
                    "removed": sorted(set(before["participants"]) - set(after["participants"])),
                    "inspection": _snapshot(after, body),
                },
            )
            self._commit(message)
        return message["payload"]["inspection"]

    # --- reads ------------------------------------------------------------------------

    def inspection(self, inspection_id: str) -> dict[str, Any] | None:
        body = self._store.hget("gk:inspections", inspection_id)
        raw = self._store.hget(f"gk:register:{body}", inspection_id) if body else None
        return json.loads(raw) if raw else None

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
        return sorted(
            (json.loads(v) for v in self._store.hgetall("gk:requests").values()),
            key=lambda r: (r["received_at"], r["request_id"]),
        )

    def overrides(self, decision_id: str | None = None) -> list[dict[str, Any]]:
        """Overrides in the order they were made (a decision's n-th has the id derived from n)."""
        every = (json.loads(v) for v in self._store.hgetall("gk:overrides").values())
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
                for d in (json.loads(v) for v in self._store.hgetall("gk:decisions").values())
            ),
            key=lambda d: (d["decided_at"], d["decision_id"]),
        )

    def inspections(self) -> list[dict[str, Any]]:
        """Every inspection at every body."""
        bodies = sorted(set(self._store.hgetall("gk:inspections").values()))
        return [i for b in bodies for i in self.register(b)]

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


# --- the fold: stored state from messages ------------------------------------------------


def apply(batch: WriteBatch, message: dict[str, Any]) -> None:
    """Fold one gatekeeper message into the stored state (live and in `rebuild` alike)."""
    payload, body = message["payload"], message["body"]
    kind = message["type"]
    if kind == "organisational.assessed":
        batch.hset("gk:org", {body: dumps({"score": payload["score"], "year": payload["year"]})})
        batch.sadd(f"done:{GatekeeperService.GROUP}", message["event_id"])  # as live, so rebuild
        return
    inspection = payload.get("inspection")
    if inspection is not None:
        batch.hset(f"gk:register:{body}", {inspection["inspection_id"]: dumps(inspection)})
        batch.hset("gk:inspections", {inspection["inspection_id"]: body})
    if kind == "gatekeeper.decision":
        request = payload["request"]
        batch.hset(
            "gk:requests",
            {
                request["request_id"]: dumps(
                    {**request, "body": body, "decision_id": message["event_id"]}
                )
            },
        )
        public = {k: payload[k] for k in DECISION_FIELDS}
        batch.hset(
            "gk:decisions",
            {
                message["event_id"]: dumps(
                    {**public, "body": body, "decided_at": message["occurred_at"]}
                )
            },
        )
        batch.sadd(f"done:{GatekeeperService.GROUP}", request["request_event_id"])
    elif kind == "gatekeeper.override":
        batch.hset("gk:overrides", {payload["override_id"]: dumps({**payload, "body": body})})


def rebuild(store: Store, messages: Iterable[dict[str, Any]]) -> int:
    """Empty the gatekeeper's state and refold it from its topics' messages; return how many."""
    folded = 0
    with store.transaction() as batch:
        for key in store.keys("gk:"):
            batch.delete(key)
        batch.delete(f"done:{GatekeeperService.GROUP}")
        for message in messages:
            if message["type"] in (
                "gatekeeper.decision", "gatekeeper.override", "inspection.updated",
                "organisational.assessed",
            ):  # fmt: skip
                apply(batch, message)
                folded += 1
    return folded


# --- helpers -------------------------------------------------------------------------------


def _snapshot(inspection: dict[str, Any] | None, body: str) -> dict[str, Any] | None:
    if inspection is None:
        return None
    return {**inspection, "body": body, "accepted_by": inspection.get("accepted_by", [])}


def _work_messages(message: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """What each inspectorate's work list hears: the inspection as it now stands."""
    payload = message["payload"]
    inspection = payload.get("inspection")
    if inspection is None:
        return []
    recipients = sorted({*inspection["participants"], *payload.get("removed", [])})
    return [
        (
            topics.work_for(inspectorate),
            payload["area"],
            envelope(
                event_id=derived_id("work", message["event_id"], inspectorate),
                type="inspection.assigned",
                occurred_at=message["occurred_at"],
                source=SOURCE,
                body=message["body"],
                payload={
                    **{k: inspection[k] for k in INSPECTION_FIELDS if k in inspection},
                    **{k: inspection[k] for k in OUTCOME_FIELDS if inspection.get(k) is not None},
                    "accepted_by": inspection.get("accepted_by", []),
                    "recipient": inspectorate,
                },
            ),
        )
        for inspectorate in recipients
    ]


def _finding_events(message: dict[str, Any]) -> list[dict[str, Any]]:
    """A completed inspection's finding, once per theme, as events the risk rules see."""
    inspection = message["payload"]["inspection"]
    return [
        envelope(
            event_id=derived_id("inspection.finding", inspection["inspection_id"], theme),
            type="inspection.finding",
            occurred_at=message["occurred_at"],
            source=SOURCE,
            body=message["body"],
            payload={
                "inspection_id": inspection["inspection_id"],
                "inspectorate": inspection["lead_inspectorate"],
                "theme": theme,
                "finding": inspection["finding"],
                "summary": inspection["summary"],
            },
        )
        for theme in inspection.get("themes") or [inspection["theme"]]
    ]


def _overridden(
    current: dict[str, Any] | None,
    request: dict[str, Any],
    decision: dict[str, Any],
    outcome: str,
    start: dt.date | None,
    body: str,
) -> dict[str, Any] | None:
    """The inspection as an override leaves it."""
    if outcome == "rejected":
        if current is None:
            return None
        if current["status"] in CLOSED:
            raise LifecycleError(
                409, f"inspection {current['inspection_id']} is already {current['status']}"
            )
        return {**current, "status": "cancelled"}
    # approved: revive or create the inspection, on the staff's start date if given
    base = current or {
        "inspection_id": derived_id("inspection", request["request_id"]),
        "decision_id": decision["decision_id"],
        "body": body,
        "area": decision["area"],
        "theme": decision["theme"],
        "themes": [decision["theme"]],
        "lead_inspectorate": decision["inspectorate"],
        "participants": [decision["inspectorate"]],
        "window_start": request["window_start"],
        "window_end": request["window_end"],
        "on_site_days": request["on_site_days"],
        "request_ids": [request["request_id"]],
        "evidence": sorted(request.get("evidence", [])),
        "urgent": False,
        "bypassed": [],
    }
    first = start or dt.date.fromisoformat(base.get("on_site_start") or base["window_start"])
    days = on_site_period(first, int(base["on_site_days"]))
    return {
        **base,
        "status": "assigned"
        if base.get("status") in (None, "cancelled", "declined")
        else base["status"],
        "on_site_start": days[0].isoformat(),
        "on_site_end": days[-1].isoformat(),
        "overridden": True,
    }


def _must_take_part(inspection: dict[str, Any], by: str) -> None:
    if by not in inspection["participants"]:
        raise LifecycleError(
            403, f"{by} does not take part in inspection {inspection['inspection_id']}"
        )


def _must_lead(inspection: dict[str, Any], by: str, action: str) -> None:
    _must_take_part(inspection, by)
    if by != inspection["lead_inspectorate"]:
        raise LifecycleError(
            403, f"only the lead inspectorate ({inspection['lead_inspectorate']}) may {action} it"
        )


def _must_be(inspection: dict[str, Any], statuses: tuple[str, ...], action: str) -> None:
    if inspection["status"] not in statuses:
        raise LifecycleError(
            409,
            f"cannot {action} inspection {inspection['inspection_id']}: it is "
            f"{inspection['status']} (must be {' or '.join(statuses)})",
        )
