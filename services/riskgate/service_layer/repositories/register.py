"""The gatekeeper's register in the store: the key names and the JSON of everything it keeps.

Per body, its inspections (`gk:register:<body>`, every status) and an index of
inspection to body (`gk:inspections`); the decisions (`gk:decisions`), the
requests they decided (`gk:requests`), the staff's overrides (`gk:overrides`)
each body's organisational assessment (`gk:org`) and the inspectorates' triage of
risk-triggered requests (`gk:triage`, request id → its triage record). Reads come from the
store; writes go into a transaction's batch, so they commit with the rest of
a unit of work.
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from typing import Any

from riskgate.adapters.store import Read, Store, WriteBatch
from riskgate.service_layer.common import dumps

PREFIX = "gk:"
_INSPECTIONS = "gk:inspections"
_DECISIONS = "gk:decisions"
_REQUESTS = "gk:requests"
_OVERRIDES = "gk:overrides"
_ORG = "gk:org"
_TRIAGE = "gk:triage"


def _register_of(body: str) -> str:
    return f"gk:register:{body}"


class Register:
    """Every inspection, decision, request, override and organisational score the gatekeeper holds."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def lock(self, body: str) -> AbstractContextManager[object]:
        """The body's lock: held while deciding against its register, publishing and storing."""
        return self._store.lock(f"lock:gk:{body}")

    def at(self, body: str) -> list[dict[str, Any]]:
        """The body's inspections, every status."""
        return [json.loads(v) for v in self._store.hgetall(_register_of(body)).values()]

    def context_reads(self, body: str) -> list[Read]:
        """The reads a decision at `body` needs (for `Store.read_many`): its register, its
        organisational assessment; `context_from` reads their results."""
        return [("hgetall", _register_of(body)), ("hget", _ORG, body)]

    @staticmethod
    def context_from(
        register: dict[str, str], org: str | None
    ) -> tuple[list[dict[str, Any]], int | None]:
        """The body's inspections and organisational score from `context_reads`' results."""
        score = int(json.loads(org)["score"]) if org else None
        return [json.loads(v) for v in register.values()], score

    def body_of(self, inspection_id: str) -> str | None:
        """The body an inspection is at, or None if there is no such inspection."""
        return self._store.hget(_INSPECTIONS, inspection_id)

    def inspection(self, inspection_id: str) -> dict[str, Any] | None:
        """One inspection as last stored, or None."""
        body = self.body_of(inspection_id)
        raw = self._store.hget(_register_of(body), inspection_id) if body else None
        return json.loads(raw) if raw else None

    def bodies(self) -> list[str]:
        """Every body with an inspection, sorted."""
        return sorted(set(self._store.hgetall(_INSPECTIONS).values()))

    def org_score(self, body: str) -> int | None:
        """The body's organisational assessment 1-4, or None if none has been heard."""
        raw = self._store.hget(_ORG, body)
        return int(json.loads(raw)["score"]) if raw else None

    def decision(self, decision_id: str) -> dict[str, Any] | None:
        raw = self._store.hget(_DECISIONS, decision_id)
        return json.loads(raw) if raw else None

    def decisions(self) -> list[dict[str, Any]]:
        """Every decision as made (overrides are kept beside them, never in them)."""
        return [json.loads(v) for v in self._store.hgetall(_DECISIONS).values()]

    def request(self, request_id: str) -> dict[str, Any] | None:
        raw = self._store.hget(_REQUESTS, request_id)
        return json.loads(raw) if raw else None

    def requests(self) -> list[dict[str, Any]]:
        return [json.loads(v) for v in self._store.hgetall(_REQUESTS).values()]

    def overrides(self) -> list[dict[str, Any]]:
        return [json.loads(v) for v in self._store.hgetall(_OVERRIDES).values()]

    def triage(self, request_id: str) -> dict[str, Any] | None:
        """A request's triage record, or None if it never waited for triage."""
        raw = self._store.hget(_TRIAGE, request_id)
        return json.loads(raw) if raw else None

    def triaged(self) -> list[dict[str, Any]]:
        """Every triage record, every state."""
        return [json.loads(v) for v in self._store.hgetall(_TRIAGE).values()]

    def put_triage(self, batch: WriteBatch, record: dict[str, Any]) -> None:
        batch.hset(_TRIAGE, {record["request_id"]: dumps(record)})

    def put_inspection(self, batch: WriteBatch, body: str, inspection: dict[str, Any]) -> None:
        """Store the inspection as it now stands at `body`."""
        batch.hset(_register_of(body), {inspection["inspection_id"]: dumps(inspection)})
        batch.hset(_INSPECTIONS, {inspection["inspection_id"]: body})

    def put_decision(self, batch: WriteBatch, decision: dict[str, Any]) -> None:
        batch.hset(_DECISIONS, {decision["decision_id"]: dumps(decision)})

    def put_request(self, batch: WriteBatch, request: dict[str, Any]) -> None:
        batch.hset(_REQUESTS, {request["request_id"]: dumps(request)})

    def put_override(self, batch: WriteBatch, override: dict[str, Any]) -> None:
        batch.hset(_OVERRIDES, {override["override_id"]: dumps(override)})

    def put_org_score(self, batch: WriteBatch, body: str, score: int, year: int) -> None:
        batch.hset(_ORG, {body: dumps({"score": score, "year": year})})

    def clear(self, batch: WriteBatch) -> None:
        """Delete everything the register holds (before a rebuild)."""
        for key in self._store.keys(PREFIX):
            batch.delete(key)
