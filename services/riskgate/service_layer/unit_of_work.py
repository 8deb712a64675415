"""The one way a handler commits: publish, flush, (failpoint), store, mark processed.

This order is what makes redelivery safe. Outputs carry ids derived from their
inputs, so a crash after publishing and before storing re-publishes the same
ids, which downstream consumers recognise; the processed marker is written in
the same store transaction as the effects, so an event is applied at most once
in effect; and the consumer commits its offset only after `commit` returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from riskgate import failpoints
from riskgate.adapters.batching import BatchingPublisher, BatchingStore
from riskgate.adapters.bus import Publisher
from riskgate.adapters.store import Store, WriteBatch

Write = Callable[[WriteBatch], None]
# Processed markers go as one set write per this many events, not one each (the batch annual
# pass stores 120,357 quiet values of the sample year in 7,055 units); a bound on one Redis
# command's size.
MARKERS_PER_WRITE = 1000


@dataclass
class UnitOfWork:
    """What one command or event will publish and store, gathered before either happens.

    `service` names the failpoint (`<service>.exit_after_publish`) and the
    processed set (`done:<service>`) the commit uses.
    """

    service: str
    outputs: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    writes: list[Write] = field(default_factory=list)
    consumed: list[str] = field(default_factory=list)

    def publish(self, topic: str, key: str, message: dict[str, Any]) -> None:
        """Queue a message; nothing reaches the bus until `commit`."""
        self.outputs.append((topic, key, message))

    def store(self, write: Write) -> None:
        """Queue a write; it runs inside the commit's one store transaction."""
        self.writes.append(write)

    def consume(self, event_id: str) -> None:
        """Mark `event_id` processed by this service when the work commits."""
        self.consumed.append(event_id)

    def commit(self, publisher: Publisher | None, store: Store) -> None:
        """Publish and flush the outputs, then apply every write and marker atomically.

        `publisher` may be None only for work that publishes nothing (the work lists)."""
        if self.outputs:
            if publisher is None:
                raise ValueError(f"{self.service}: a unit of work with outputs needs a publisher")
            for topic, key, message in self.outputs:
                publisher.publish(topic, key, message)
            publisher.flush()
            if not getattr(publisher, "holding", False):  # in a poll batch, its end does this
                failpoints.hit(f"{self.service}.exit_after_publish")
        if not self.writes and not self.consumed:
            return
        with store.transaction() as batch:
            for write in self.writes:
                write(batch)
            done = processed_key(self.service)
            for start in range(0, len(self.consumed), MARKERS_PER_WRITE):
                batch.sadd(done, *self.consumed[start : start + MARKERS_PER_WRITE])


@dataclass(frozen=True)
class PollBatch:
    """A consumer's poll committed as one: the units of work of its events, each committed in
    turn into the batching store and publisher (adapters/batching.py), end in one publish and
    flush, then one store transaction with every event's effects and processed marker.

    The order is the unit of work's, for the whole poll: a crash after the flush and before
    the transaction delivers the poll again, and every output is re-published under the same
    derived id; the consumer commits its offsets only after `end` returns."""

    service: str
    store: BatchingStore
    publisher: BatchingPublisher

    def __post_init__(self) -> None:
        # A batch holding locks (the gatekeeper's) that meets one taken elsewhere stores what
        # it holds and lets its locks go before it waits (adapters/batching.py).
        self.store.on_contention = self.restart

    def begin(self) -> None:
        self.store.begin()
        self.publisher.begin()

    def end(self) -> None:
        """Publish and flush what the poll's events queued, then store it in one transaction."""
        if self.publisher.end():
            failpoints.hit(f"{self.service}.exit_after_publish")
        self.store.end()

    def restart(self) -> None:
        """End the batch so far and begin another on the same poll: its offsets are still
        committed only after the poll's last `end`, and a redelivery finds this part done."""
        self.end()
        self.begin()

    def discard(self) -> None:
        """Forget an unfinished batch (after `end` failed: nothing of it is stored)."""
        self.publisher.discard()
        self.store.discard()


def processed_key(service: str) -> str:
    """The store set of event ids a service has applied (its idempotency keys)."""
    return f"done:{service}"
