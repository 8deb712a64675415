"""The inspectorates' triage desk: hold a risk-triggered request, then confirm, decline or
auto-confirm it.

Each step is an `inspection.triaged` message on `gatekeeper.decisions`, folded into the
register like every other gatekeeper message (so `rebuild` restores triage too). A
confirmation publishes the gatekeeper's decision in the same unit of work, under the
body's lock.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from riskgate.domain import actors
from riskgate.domain.errors import NotAllowed, NotFound
from riskgate.domain.gatekeeper import triage as desk
from riskgate.domain.gatekeeper.policies import Triage
from riskgate.domain.ids import derived_id
from riskgate.service_layer.common import envelope, now_on
from riskgate.service_layer.gatekeeper_fold import SOURCE
from riskgate.service_layer.repositories.register import Register

if TYPE_CHECKING:
    from riskgate.service_layer.gatekeeper import GatekeeperService

TRIAGE_ACTOR = actors.service_actor("gatekeeper")


class TriageDesk:
    """Where risk-triggered requests wait for the owning inspectorate."""

    def __init__(self, gatekeeper: GatekeeperService, register: Register) -> None:
        self._gatekeeper = gatekeeper
        self._register = register

    def hold(self, event: dict[str, Any], triage: Triage) -> None:
        """Put an `inspection.requested` on its inspectorate's triage list (once)."""
        if self._gatekeeper.seen_held(event["event_id"]):
            return
        request = {
            **event["payload"],
            "received_at": event["occurred_at"],
            "request_event_id": event["event_id"],
            "source": event["source"],
        }
        record = desk.held(event["payload"], event["body"], event["occurred_at"], triage)
        record["request"] = request
        message = self._message(record, TRIAGE_ACTOR, event["occurred_at"])
        self._gatekeeper.commit(message, consumed_event_id=event["event_id"])

    def items(self, inspectorate: str, state: str | None = desk.IN_TRIAGE) -> list[dict[str, Any]]:
        """An inspectorate's triage list, oldest first (`state` None: every state)."""
        chosen = [
            r
            for r in self._register.triaged()
            if r["inspectorate"] == inspectorate and (state is None or r["state"] == state)
        ]
        return sorted(chosen, key=lambda r: (r["received_on"], r["request_id"]))

    def recorded(self, area: str, year: int) -> list[dict[str, Any]]:
        """Every triage record of an area's requests raised in `year` (for its judgements)."""
        chosen = [r for r in self._register.triaged() if r["area"] == area and r["year"] == year]
        return sorted(chosen, key=lambda r: (r["theme"], r["received_on"], r["request_id"]))

    def confirm(
        self, request_id: str, *, actor: actors.Actor, on: dt.date | None = None
    ) -> dict[str, Any]:
        """The owning inspectorate confirms the need; the gatekeeper decides the request now
        (`on`, default the gatekeeper's clock: a replay's scripted day, stamped as `scripted_at`
        says, so that a replay gives the same messages whenever it runs)."""
        by = _inspectorate_of(actor)
        today = on or self._gatekeeper.clock()
        return self._step(
            request_id,
            actor,
            now_on(today) if on is None else on,
            lambda r: desk.confirm(r, by=by, holder=actor.holder, on=today),
        )

    def decline(
        self, request_id: str, *, actor: actors.Actor, reason: str, on: dt.date | None = None
    ) -> dict[str, Any]:
        """The owning inspectorate declines the need, with a reason."""
        by = _inspectorate_of(actor)
        today = on or self._gatekeeper.clock()
        return self._step(
            request_id,
            actor,
            now_on(today) if on is None else on,
            lambda r: desk.decline(r, by=by, holder=actor.holder, on=today, reason=reason),
        )

    def sweep(self, today: dt.date | None = None) -> int:
        """Confirm automatically every request whose due day has come by `today` (default: the
        gatekeeper's clock); each is dated its due day. Returns how many."""
        day = today or self._gatekeeper.clock()
        done = 0
        for record in sorted(
            self._register.triaged(), key=lambda r: (r["due"], r["received_on"], r["request_id"])
        ):
            if desk.overdue(record, day):
                at = f"{record['due']}T00:00:00+00:00"
                self._step(record["request_id"], TRIAGE_ACTOR, at, desk.auto_confirm)
                done += 1
        return done

    def _step(
        self, request_id: str, actor: actors.Actor, at: str | dt.date, change: Any
    ) -> dict[str, Any]:
        """Apply `change` to the request's triage record under its body's lock, at `at` (a
        timestamp, or a scripted day: see `scripted_at`), and commit it."""
        record = self._register.triage(request_id)
        if record is None:
            raise NotFound(f"no request {request_id} has been in triage")
        with self._gatekeeper.lock(record["body"]):
            record = self._register.triage(request_id)
            assert record is not None
            if isinstance(at, dt.date):
                at = scripted_at(at, record["request"]["received_at"])
            after = change(record)
            messages = [self._message(after, actor, at)]
            if after["state"] in (desk.CONFIRMED, desk.AUTO_CONFIRMED):
                messages.append(
                    self._gatekeeper.decision_message(after["request"], after["body"], at)
                )
            self._gatekeeper.commit(*messages)
        return after

    @staticmethod
    def _message(record: dict[str, Any], actor: actors.Actor, at: str) -> dict[str, Any]:
        return envelope(
            event_id=derived_id("triage", record["request_id"], record["state"]),
            type="inspection.triaged",
            occurred_at=at,
            source=SOURCE,
            body=record["body"],
            payload={**record, "action": desk.ACTIONS[record["state"]], "actor": actor.to_dict()},
        )


def _inspectorate_of(actor: actors.Actor) -> str:
    if actor.inspectorate is None:
        raise NotAllowed(f"role {actor.role} is not an inspectorate's; only the owning one triages")
    return actor.inspectorate


def scripted_at(day: dt.date, received_at: str) -> str:
    """When a step scripted for `day` is stamped: the start of that day (UTC), as the sweep's
    automatic confirmations are, or the request's receipt if that is later, so that a replayed
    step never precedes what it acts on and two replays stamp it alike."""
    start = dt.datetime.combine(day, dt.time(), dt.UTC)
    received = dt.datetime.fromisoformat(received_at)
    return (received if received > start else start).isoformat()
