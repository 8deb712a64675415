"""The message bus port, and the in-process log used by the embedded default.

Both adapters give at-least-once delivery: a consumer group's position moves
only when the consumer commits, after its effects are stored.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from riskgate.compact_json import dumps_bytes


@dataclass(frozen=True)
class Record:
    """One message as a consumer sees it.

    `key` is always text: a key whose bytes are not UTF-8 arrives with those
    bytes shown as `\\xNN` escapes and `key_is_text` false, so that reading a
    record never fails and the consumer can dead-letter it, naming the key.
    """

    topic: str
    partition: int
    offset: int
    key: str | None
    value: bytes
    key_is_text: bool = True
    # Written by riskgate itself, as its attestation header shows (`adapters/attestation.py`):
    # a consumer of a topic integrators also write to reads it without validating it again.
    attested: bool = False


def record_of(
    topic: str,
    partition: int,
    offset: int,
    key: str | bytes | None,
    value: bytes | None,
    attested: bool = False,
) -> Record:
    """A Record from what the log holds, whatever its bytes: this never raises."""
    if isinstance(key, bytes):
        try:
            text, is_text = key.decode("utf-8"), True
        except UnicodeDecodeError:
            text, is_text = key.decode("utf-8", errors="backslashreplace"), False
        return Record(topic, partition, offset, text, value or b"", is_text, attested)
    return Record(topic, partition, offset, key, value or b"", attested=attested)


def encode(value: dict) -> bytes:
    """Messages are compact JSON with sorted keys, so equal facts are equal bytes."""
    return dumps_bytes(value)  # json.dumps(sort_keys, compact, ASCII).encode(), byte for byte


class Publisher(Protocol):
    def publish(self, topic: str, key: str, value: dict) -> None: ...

    def publish_raw(self, topic: str, key: str | None, value: bytes) -> None: ...

    def flush(self) -> None:
        """Block until everything published so far is durable on the bus."""


class CommitLost(Exception):
    """A commit the bus refused because the group rebalanced while the records were in hand:
    their new owner delivers them again (handlers are idempotent), so this member moves on."""


class Subscription(Protocol):
    def poll(self, timeout_s: float, max_records: int = 500) -> list[Record]: ...

    def commit(self, records: Iterable[Record]) -> None:
        """Mark these records done: the group resumes after them. CommitLost if the group
        rebalanced meanwhile; any other failure is raised as it is."""

    def rewind(self, record: Record) -> None:
        """Deliver this record (and what follows it on its partition) again."""

    def close(self) -> None: ...


class Bus(Protocol):
    def publisher(self) -> Publisher: ...

    def subscribe(self, group: str, topics: Iterable[str]) -> Subscription: ...

    def ensure_topics(self, topics: Iterable[str]) -> None: ...

    def read_all(self, topic: str) -> list[Record]:
        """Every record on a topic from the start (for replay and rebuild)."""
        ...

    def lag(self, group: str, topics: Iterable[str]) -> dict[tuple[str, int], int]:
        """Records the group has not committed yet, per (topic, partition): /metrics' lag."""
        ...

    def reachable(self) -> bool:
        """True if the bus answers now (/readyz): always, in process; Kafka: a broker."""
        ...


class MemoryBus:
    """An in-process, single-partition-per-topic log with consumer groups."""

    def __init__(self) -> None:
        # Each record made once, as it is published, and shared by every group that reads it
        # (a Record is frozen). A key published as bytes is read as a raw producer's would be.
        self._logs: dict[str, list[Record]] = defaultdict(list)
        self._positions: dict[tuple[str, str], int] = defaultdict(int)
        self._lock = threading.RLock()

    def publisher(self) -> MemoryBus:
        return self

    def publish(self, topic: str, key: str, value: dict) -> None:
        self.publish_raw(topic, key, encode(value))

    def publish_raw(self, topic: str, key: str | bytes | None, value: bytes) -> None:
        with self._lock:
            log = self._logs[topic]
            log.append(record_of(topic, 0, len(log), key, value))

    def flush(self) -> None:
        """Nothing is buffered in memory."""

    def ensure_topics(self, topics: Iterable[str]) -> None:
        with self._lock:
            for topic in topics:
                self._logs.setdefault(topic, [])

    def subscribe(self, group: str, topics: Iterable[str]) -> MemorySubscription:
        return MemorySubscription(self, group, tuple(topics))

    def read_all(self, topic: str) -> list[Record]:
        with self._lock:
            return list(self._logs.get(topic, ()))

    def reachable(self) -> bool:
        return True

    def backlog(self, group: str, topics: Iterable[str]) -> int:
        """How many records the group has not yet committed."""
        return sum(self.lag(group, topics).values())

    def lag(self, group: str, topics: Iterable[str]) -> dict[tuple[str, int], int]:
        """Records not yet committed by the group, per (topic, partition): one partition here."""
        with self._lock:
            return {(t, 0): len(self._logs[t]) - self._positions[(group, t)] for t in topics}


class MemorySubscription:
    """A consumer group member on the memory bus; fetch position is private, commits shared."""

    def __init__(self, bus: MemoryBus, group: str, topics: tuple[str, ...]) -> None:
        self._bus = bus
        self._group = group
        self._topics = topics
        with bus._lock:
            self._fetch = {t: bus._positions[(group, t)] for t in topics}

    def poll(self, timeout_s: float = 0.0, max_records: int = 500) -> list[Record]:
        out: list[Record] = []
        with self._bus._lock:
            for topic in self._topics:
                log = self._bus._logs[topic]
                start = self._fetch[topic]
                end = min(len(log), start + max_records - len(out))
                out.extend(log[start:end])
                self._fetch[topic] = end
                if len(out) >= max_records:
                    break
        return out

    def commit(self, records: Iterable[Record]) -> None:
        with self._bus._lock:
            for r in records:
                key = (self._group, r.topic)
                self._bus._positions[key] = max(self._bus._positions[key], r.offset + 1)

    def rewind(self, record: Record) -> None:
        with self._bus._lock:
            self._fetch[record.topic] = min(self._fetch[record.topic], record.offset)

    def close(self) -> None:
        """Nothing to release."""
