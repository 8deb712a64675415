"""Pieces every service shares: envelopes, processed markers, the body registry."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from riskgate.adapters.store import Store, WriteBatch
from riskgate.domain.reference import Reference

Write = Callable[[WriteBatch], None]


class InvalidMessage(ValueError):
    """A message that is well-formed but cannot be acted on; it goes to the dead-letter topic."""


def envelope(
    *, event_id: str, type: str, occurred_at: str, source: str, body: str, payload: dict[str, Any]
) -> dict[str, Any]:
    """A message in the one envelope every topic uses."""
    return {
        "event_id": event_id,
        "type": type,
        "occurred_at": occurred_at,
        "source": source,
        "body": body,
        "payload": payload,
    }


def now_on(day: dt.date) -> str:
    """A timestamp on `day`: now if `day` is today, else now's time of day on `day`
    (a pinned RISKGATE_TODAY keeps its date)."""
    now = dt.datetime.now(dt.UTC)
    if now.date() != day:
        now = dt.datetime.combine(day, now.time(), dt.UTC)
    return now.isoformat()


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"))


def dumps(doc: Any) -> str:
    """Compact JSON with sorted keys: equal documents are equal strings."""
    return _ENCODER.encode(doc)


class Processed:
    """Which event ids a consumer group has already applied (its idempotency keys)."""

    def __init__(self, store: Store, group: str) -> None:
        self._store = store
        self._key = f"done:{group}"

    def seen(self, event_id: str) -> bool:
        return self._store.sismember(self._key, event_id)

    def mark(self, batch: WriteBatch, event_id: str) -> None:
        batch.sadd(self._key, event_id)


class BodyRegistry:
    """Bodies known to riskgate: the 2009-10 councils plus any `body.registered` since."""

    KEY = "bodies"

    def __init__(self, store: Store, reference: Reference) -> None:
        self._store = store
        self._reference = reference

    def get(self, code: str) -> dict[str, Any] | None:
        raw = self._store.hget(self.KEY, code)
        if raw is not None:
            return json.loads(raw)
        council = self._reference.councils.get(code)
        if council is None:
            return None
        return {"name": council.name, "kind": council.kind, "area": self._reference.area_of(code)}

    def area_of(self, code: str) -> str | None:
        body = self.get(code)
        return body["area"] if body else None

    def is_area(self, code: str) -> bool:
        return code in self._reference.areas or self.area_of(code) == code

    def population(self, code: str) -> int | None:
        body = self.get(code)
        return body.get("population") if body else None

    def register(self, batch: WriteBatch, code: str, payload: dict[str, Any]) -> None:
        batch.hset(self.KEY, {code: dumps(payload)})
