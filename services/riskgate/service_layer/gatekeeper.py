"""gatekeeper: decide every inspection request, one body at a time.

The body's lock is held while deciding, publishing and storing, so two
gatekeeper processes never decide against the same register at once. The
decision is on `gatekeeper.decisions` before its effects are stored.
"""

from __future__ import annotations

import json
from typing import Any

from riskgate import topics
from riskgate.adapters.bus import Publisher
from riskgate.adapters.store import Store
from riskgate.domain.gatekeeper import PolicySet, decide
from riskgate.domain.ids import derived_id
from riskgate.service_layer.common import Processed, dumps, envelope

SOURCE = "riskgate.gatekeeper"
DECISION_FIELDS = (
    "decision_id", "request_id", "outcome", "policy_ids", "reasons", "inspection_id",
    "deferred_until", "ledger", "inspectorate", "theme", "area", "policy_version",
)  # fmt: skip
ASSIGNED_FIELDS = (
    "inspection_id", "decision_id", "lead_inspectorate", "participants", "theme", "area",
    "window_start", "window_end", "on_site_days", "request_ids", "evidence", "status",
)  # fmt: skip


class GatekeeperService:
    GROUP = "gatekeeper"

    def __init__(self, store: Store, publisher: Publisher, policies: PolicySet) -> None:
        self._store = store
        self._publisher = publisher
        self.policies = policies
        self._processed = Processed(store, self.GROUP)

    def handle(self, event: dict[str, Any]) -> None:
        """Decide one `inspection.requested` message (others are ignored)."""
        if event["type"] != "inspection.requested" or self._processed.seen(event["event_id"]):
            return
        body = event["body"]
        request = {**event["payload"], "body": body}
        with self._store.lock(f"gk:body:{body}"):
            if self._processed.seen(event["event_id"]):
                return  # another gatekeeper decided it while we waited for the lock
            register = self.register(body)
            decision = decide(request, register, self.policies)
            self._publish(decision, event)
            with self._store.transaction() as batch:
                batch.hset(
                    "gk:requests",
                    {
                        request["request_id"]: dumps(
                            {
                                **request,
                                "decision_id": decision["decision_id"],
                                "received_at": event["occurred_at"],
                            }
                        )
                    },
                )
                batch.hset(
                    "gk:decisions",
                    {decision["decision_id"]: dumps(_public(decision, body, event["occurred_at"]))},
                )
                if decision["inspection"] is not None:
                    inspection = decision["inspection"]
                    batch.hset(
                        f"gk:register:{body}", {inspection["inspection_id"]: dumps(inspection)}
                    )
                self._processed.mark(batch, event["event_id"])

    def _publish(self, decision: dict[str, Any], event: dict[str, Any]) -> None:
        body, area = event["body"], decision["area"]
        self._publisher.publish(
            topics.DECISIONS,
            area,
            envelope(
                event_id=decision["decision_id"],
                type="gatekeeper.decision",
                occurred_at=event["occurred_at"],
                source=SOURCE,
                body=body,
                payload={k: decision[k] for k in DECISION_FIELDS},
            ),
        )
        inspection = decision["inspection"]
        if inspection is not None:
            payload = {k: inspection[k] for k in ASSIGNED_FIELDS}
            for inspectorate in inspection["participants"]:
                self._publisher.publish(
                    topics.work_for(inspectorate),
                    area,
                    envelope(
                        event_id=derived_id("assigned", decision["decision_id"], inspectorate),
                        type="inspection.assigned",
                        occurred_at=event["occurred_at"],
                        source=SOURCE,
                        body=body,
                        payload=payload,
                    ),
                )
        self._publisher.flush()

    # --- reads ----------------------------------------------------------------

    def register(self, body: str) -> list[dict[str, Any]]:
        """The body's inspections, open and closed."""
        return [json.loads(v) for v in self._store.hgetall(f"gk:register:{body}").values()]

    def requests(self) -> list[dict[str, Any]]:
        return sorted(
            (json.loads(v) for v in self._store.hgetall("gk:requests").values()),
            key=lambda r: (r["received_at"], r["request_id"]),
        )

    def decisions(self) -> list[dict[str, Any]]:
        return sorted(
            (json.loads(v) for v in self._store.hgetall("gk:decisions").values()),
            key=lambda d: (d["decided_at"], d["decision_id"]),
        )


def _public(decision: dict[str, Any], body: str, decided_at: str) -> dict[str, Any]:
    """The stored decision: the published payload plus the body and when it was decided."""
    return {**{k: decision[k] for k in DECISION_FIELDS}, "body": body, "decided_at": decided_at}
