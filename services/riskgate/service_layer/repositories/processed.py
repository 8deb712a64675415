"""Which events a service has already applied: its idempotency keys."""

from __future__ import annotations

from collections.abc import Callable

from riskgate.adapters.store import Read, Store, WriteBatch
from riskgate.service_layer.unit_of_work import processed_key


class Processed:
    """Which event ids a consumer group has already applied (the set `UnitOfWork.consume` fills)."""

    def __init__(self, store: Store, group: str) -> None:
        self._store = store
        self._key = processed_key(group)

    def seen(self, event_id: str) -> bool:
        """Whether the event was applied already."""
        return self._store.sismember(self._key, event_id)

    def all(self) -> set[str]:
        """Every event id applied already (for a one-off pass over a year, not a live loop)."""
        return self._store.smembers(self._key)

    def seen_among(self, event_ids: list[str]) -> set[str]:
        """Which of the events were applied already, asked in one round trip."""
        answers = self._store.read_many([self.seen_read(e) for e in event_ids])
        return {e for e, seen in zip(event_ids, answers, strict=True) if seen}

    def seen_read(self, event_id: str) -> Read:
        """`seen` as a read for `Store.read_many`."""
        return ("sismember", self._key, event_id)

    def mark(self, batch: WriteBatch, event_id: str) -> None:
        """Remember the event as applied, inside the batch's transaction."""
        batch.sadd(self._key, event_id)


class AcceptedEvents(Processed):
    """The event ids ingest has published: an integrator's resubmission is a duplicate."""

    KEY = "ingest:accepted"

    def __init__(self, store: Store) -> None:
        self._store = store
        self._key = self.KEY

    def accept(self, event_ids: list[str]) -> Callable[[WriteBatch], None]:
        """The write that remembers these events as accepted (for `UnitOfWork.store`)."""
        return lambda batch: batch.sadd(self._key, *event_ids)
