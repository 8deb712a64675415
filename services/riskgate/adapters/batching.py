"""A poll handled as one batch: the store and publisher a consumer's handler writes through.

A service's handler commits one unit of work per event (service_layer/unit_of_work.py).
Wrapped in these two adapters, the units of work of one poll, on the thread that polls, go
into an overlay instead: the store's writes wait, in order, for one store transaction; the
published messages wait for one publish and one flush. Reads through the wrapped store see
the overlay first, so each event sees every earlier event of its poll, exactly as if each had
been stored on its own; a string or hash read once in a batch is not read from the wrapped
store again in it (the risk service owns the keys it reads, by area, so nothing else changes
them meanwhile). Other threads (HTTP requests, other consumers) and this thread outside
a batch use the wrapped store and publisher directly and see only what is committed.

`PollBatch` (service_layer/unit_of_work.py) opens the batch and ends it in the one safe order:
publish and flush, then one transaction, then the consumer commits its offsets.
"""

from __future__ import annotations

import builtins
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any

from riskgate.adapters.bus import Publisher
from riskgate.adapters.store import Read, RecordedBatch, Store, read_each


@dataclass
class _Overlay:
    """What a batch has written, in order (`ops`), and the keys it has read or written as the
    batch leaves them: a string (None: absent), a whole hash, or a set's members added since
    the batch began (`cleared`: the stored members no longer count)."""

    ops: list[tuple[Any, ...]] = field(default_factory=list)
    strings: dict[str, str | None] = field(default_factory=dict)
    hashes: dict[str, dict[str, str]] = field(default_factory=dict)
    sets: dict[str, tuple[bool, builtins.set[str]]] = field(default_factory=dict)

    def apply(self, op: tuple[Any, ...], hash_of: Any) -> None:
        """Apply a write; `hash_of(key)` gives a hash as the batch sees it (loading it once)."""
        self.ops.append(op)
        kind, key = op[0], op[1]
        if kind == "set":
            self.strings[key] = op[2]
        elif kind == "hset":
            hash_of(key).update(op[2])
        elif kind == "hdel":
            fields = hash_of(key)
            for name in op[2]:
                fields.pop(name, None)
        elif kind == "sadd":
            cleared, added = self.sets.get(key, (False, set()))
            self.sets[key] = (cleared, added | set(op[2]))
        elif kind == "delete":
            self.strings[key] = None
            self.hashes[key] = {}
            self.sets[key] = (True, set())


class _Held(threading.local):
    """What this thread's batch holds (None: no batch open on this thread)."""

    overlay: _Overlay | None = None
    messages: list[tuple[str, str | None, Any]] | None = None


class BatchingStore:
    """A Store whose transactions, inside `begin()`…`end()` on one thread, wait for one."""

    def __init__(self, base: Store) -> None:
        self.base = base
        self._local = _Held()

    def _overlay(self) -> _Overlay | None:
        return self._local.overlay

    def begin(self) -> None:
        """Start holding this thread's writes (a batch already open carries on)."""
        if self._overlay() is None:
            self._local.overlay = _Overlay()

    def end(self) -> None:
        """Write what the batch holds in one transaction of the wrapped store, then stop
        holding. On failure the batch stays open: `discard` it."""
        overlay = self._overlay()
        if overlay is None:
            return
        if overlay.ops:
            with self.base.transaction() as batch:
                for kind, key, *rest in overlay.ops:
                    if kind in ("hdel", "sadd"):
                        getattr(batch, kind)(key, *rest[0])
                    else:
                        getattr(batch, kind)(key, *rest)
        self._local.overlay = None

    def discard(self) -> None:
        """Forget what the batch holds (nothing of it is stored)."""
        self._local.overlay = None

    @property
    def holding(self) -> bool:
        """Whether this thread's writes are being held for the batch's one transaction."""
        return self._overlay() is not None

    # Reads: the overlay over the wrapped store ------------------------------------

    def get(self, key: str) -> str | None:
        overlay = self._overlay()
        if overlay is None:
            return self.base.get(key)
        if key not in overlay.strings:
            overlay.strings[key] = self.base.get(key)
        return overlay.strings[key]

    def _hash(self, overlay: _Overlay, key: str) -> dict[str, str]:
        """The hash as the batch sees it, read from the wrapped store once per batch."""
        fields = overlay.hashes.get(key)
        if fields is None:
            fields = overlay.hashes[key] = self.base.hgetall(key)
        return fields

    def hget(self, key: str, field: str) -> str | None:
        overlay = self._overlay()
        if overlay is None:
            return self.base.hget(key, field)
        return self._hash(overlay, key).get(field)

    def hgetall(self, key: str) -> dict[str, str]:
        overlay = self._overlay()
        if overlay is None:
            return self.base.hgetall(key)
        return dict(self._hash(overlay, key))

    def sismember(self, key: str, member: str) -> bool:
        overlay = self._overlay()
        held = overlay.sets.get(key) if overlay is not None else None
        if held is None:
            return self.base.sismember(key, member)
        cleared, added = held
        return member in added or (not cleared and self.base.sismember(key, member))

    def smembers(self, key: str) -> builtins.set[str]:
        overlay = self._overlay()
        held = overlay.sets.get(key) if overlay is not None else None
        if held is None:
            return self.base.smembers(key)
        cleared, added = held
        return set(added) if cleared else self.base.smembers(key) | added

    def read_many(self, reads: Sequence[Read]) -> list[Any]:
        if self._overlay() is None:
            return self.base.read_many(reads)
        return read_each(self, reads)

    def keys(self, prefix: str) -> list[str]:
        overlay = self._overlay()
        found = set(self.base.keys(prefix))
        if overlay is None:
            return sorted(found)
        for key in {*overlay.strings, *overlay.hashes, *overlay.sets}:
            if not key.startswith(prefix):
                continue
            if self._exists(overlay, key):
                found.add(key)
            else:
                found.discard(key)
        return sorted(found)

    def _exists(self, overlay: _Overlay, key: str) -> bool:
        if overlay.strings.get(key) is not None:
            return True
        if overlay.hashes.get(key):
            return True
        return bool(self.smembers(key)) if key in overlay.sets else False

    # Writes: held in a batch, straight through otherwise ---------------------------

    def set(self, key: str, value: str) -> None:
        with self.transaction() as batch:
            batch.set(key, value)

    def hset(self, key: str, mapping: Mapping[str, str]) -> None:
        with self.transaction() as batch:
            batch.hset(key, mapping)

    def sadd(self, key: str, *members: str) -> int:
        if self._overlay() is None:
            return self.base.sadd(key, *members)
        new = sum(1 for m in set(members) if not self.sismember(key, m))
        with self.transaction() as batch:
            batch.sadd(key, *members)
        return new

    def transaction(self) -> AbstractContextManager[Any]:
        if self._overlay() is None:
            return self.base.transaction()
        return self._held()

    @contextmanager
    def _held(self) -> Iterator[RecordedBatch]:
        batch = RecordedBatch()
        yield batch  # applied only if the block finishes, as a transaction would be
        overlay = self._overlay()
        assert overlay is not None
        for op in batch.ops:
            overlay.apply(op, lambda key: self._hash(overlay, key))

    def lock(self, name: str, timeout_s: float = 30.0) -> AbstractContextManager[object]:
        return self.base.lock(name, timeout_s)

    def ping(self) -> bool:
        return self.base.ping()

    def flush_all(self) -> None:
        """Forget everything, at once: what is stored and what this thread's batch holds."""
        if self._overlay() is not None:
            self._local.overlay = _Overlay()
        self.base.flush_all()


class BatchingPublisher:
    """A Publisher whose messages, inside `begin()`…`end()` on one thread, wait for one flush."""

    def __init__(self, base: Publisher) -> None:
        self.base = base
        self._local = _Held()

    def _held(self) -> list[tuple[str, str | None, Any]] | None:
        return self._local.messages

    def begin(self) -> None:
        if self._held() is None:
            self._local.messages = []

    @property
    def holding(self) -> bool:
        """Whether this thread's messages are being held for the batch's one flush."""
        return self._held() is not None

    def publish(self, topic: str, key: str, value: dict) -> None:
        held = self._held()
        if held is None:
            self.base.publish(topic, key, value)
        else:
            held.append((topic, key, value))

    def publish_raw(self, topic: str, key: str | None, value: bytes) -> None:
        held = self._held()
        if held is None:
            self.base.publish_raw(topic, key, value)
        else:
            held.append((topic, key, value))

    def flush(self) -> None:
        if self._held() is None:
            self.base.flush()  # inside a batch, `end` flushes once for all

    def end(self) -> bool:
        """Publish what the batch holds and flush once; whether there was anything. On failure
        the batch stays open: `discard` it."""
        held = self._held()
        if held is None:
            return False
        for topic, key, value in held:
            if isinstance(value, bytes):
                self.base.publish_raw(topic, key, value)
            else:
                assert key is not None
                self.base.publish(topic, key, value)
        if held:
            self.base.flush()
        self._local.messages = None
        return bool(held)

    def discard(self) -> None:
        self._local.messages = None
