"""The state store port, and the in-memory adapter of the embedded default.

A deliberately small key/value vocabulary (strings, hashes, sets) so that the
Redis adapter and the memory adapter can pass one contract test, and the
repositories above them are written once.
"""

from __future__ import annotations

import builtins  # `set` is also a method name here
import threading
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol

# A read for `Store.read_many`: ("hget", key, field), ("hgetall", key) or ("sismember", key,
# member).
Read = tuple[str, ...]
READS = ("hget", "hgetall", "sismember")


def read_each(store: Store, reads: Sequence[Read]) -> list[Any]:
    """`read_many` for a store with no round trips to save: the reads one after another."""
    for op, *_ in reads:
        if op not in READS:
            raise ValueError(f"read_many: {op!r} is not one of {', '.join(READS)}")
    return [getattr(store, op)(*args) for op, *args in reads]


class WriteBatch(Protocol):
    """Writes collected inside a transaction and applied all together."""

    def set(self, key: str, value: str) -> None: ...

    def hset(self, key: str, mapping: Mapping[str, str]) -> None: ...

    def hdel(self, key: str, *fields: str) -> None: ...

    def sadd(self, key: str, *members: str) -> None: ...

    def delete(self, key: str) -> None: ...


class Store(Protocol):
    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str) -> None: ...

    def hget(self, key: str, field: str) -> str | None: ...

    def hgetall(self, key: str) -> dict[str, str]: ...

    def hset(self, key: str, mapping: Mapping[str, str]) -> None: ...

    def sadd(self, key: str, *members: str) -> int:
        """Add members; return how many were new."""
        ...

    def sismember(self, key: str, member: str) -> bool: ...

    def smembers(self, key: str) -> builtins.set[str]: ...

    def read_many(self, reads: Sequence[Read]) -> list[Any]:
        """Several reads in one round trip (on a server), each result in order, as the single
        reads would give it."""
        ...

    def keys(self, prefix: str) -> list[str]:
        """Keys starting with prefix, sorted."""
        ...

    def transaction(self) -> AbstractContextManager[WriteBatch]:
        """Collect writes; apply them atomically when the block ends without error."""
        ...

    def lock(
        self, name: str, timeout_s: float = 30.0, wait_s: float | None = None
    ) -> AbstractContextManager[object]:
        """Mutual exclusion across every process that shares this store: held for at most
        `timeout_s` (a holder that dies lets it go then, on a server), waited for at most
        `wait_s` (default `timeout_s`; 0: one try); TimeoutError if not taken."""
        ...

    def ping(self) -> bool: ...

    def flush_all(self) -> None:
        """Forget everything (tests and rebuilds)."""
        ...


class RecordedBatch:
    """A WriteBatch that records its writes as `ops`, to be applied when its block ends."""

    def __init__(self) -> None:
        self.ops: list[tuple] = []

    def set(self, key: str, value: str) -> None:
        self.ops.append(("set", key, value))

    def hset(self, key: str, mapping: Mapping[str, str]) -> None:
        self.ops.append(("hset", key, dict(mapping)))

    def hdel(self, key: str, *fields: str) -> None:
        self.ops.append(("hdel", key, fields))

    def sadd(self, key: str, *members: str) -> None:
        self.ops.append(("sadd", key, members))

    def delete(self, key: str) -> None:
        self.ops.append(("delete", key))


class MemoryStore:
    """Thread-safe dictionaries; the embedded default's state."""

    # A read costs no round trip (no server, no statement): asking a poll's reads at once
    # (`RiskService.prefetch`) would only read everything twice. Redis and SQLite stores lack
    # the attribute and are prefetched for.
    prefetch_pays = False

    def __init__(self) -> None:
        self._strings: dict[str, str] = {}
        self._hashes: dict[str, dict[str, str]] = defaultdict(dict)
        self._sets: dict[str, set[str]] = defaultdict(set)
        self._mutex = threading.RLock()
        self._named_locks: dict[str, threading.Lock] = defaultdict(threading.Lock)

    def get(self, key: str) -> str | None:
        with self._mutex:
            return self._strings.get(key)

    def set(self, key: str, value: str) -> None:
        with self._mutex:
            self._strings[key] = value

    def hget(self, key: str, field: str) -> str | None:
        with self._mutex:
            return self._hashes[key].get(field) if key in self._hashes else None

    def hgetall(self, key: str) -> dict[str, str]:
        with self._mutex:
            return dict(self._hashes.get(key, {}))

    def hset(self, key: str, mapping: Mapping[str, str]) -> None:
        with self._mutex:
            self._hashes[key].update(mapping)

    def sadd(self, key: str, *members: str) -> int:
        with self._mutex:
            before = len(self._sets[key])
            self._sets[key].update(members)
            return len(self._sets[key]) - before

    def sismember(self, key: str, member: str) -> bool:
        with self._mutex:
            return key in self._sets and member in self._sets[key]

    def read_many(self, reads: Sequence[Read]) -> list[Any]:
        return read_each(self, reads)

    def smembers(self, key: str) -> builtins.set[str]:
        with self._mutex:
            return set(self._sets.get(key, ()))

    def keys(self, prefix: str) -> list[str]:
        with self._mutex:
            found = {k for k in self._strings if k.startswith(prefix)}
            found |= {k for k, v in self._hashes.items() if v and k.startswith(prefix)}
            found |= {k for k, v in self._sets.items() if v and k.startswith(prefix)}
            return sorted(found)

    @contextmanager
    def transaction(self) -> Iterator[RecordedBatch]:
        batch = RecordedBatch()
        yield batch
        with self._mutex:
            for op in batch.ops:
                self._apply(op)

    def _apply(self, op: tuple) -> None:
        kind, key = op[0], op[1]
        if kind == "set":
            self._strings[key] = op[2]
        elif kind == "hset":
            self._hashes[key].update(op[2])
        elif kind == "hdel":
            for f in op[2]:
                self._hashes[key].pop(f, None)
        elif kind == "sadd":
            self._sets[key].update(op[2])
        elif kind == "delete":
            self._strings.pop(key, None)
            self._hashes.pop(key, None)
            self._sets.pop(key, None)

    @contextmanager
    def lock(
        self, name: str, timeout_s: float = 30.0, wait_s: float | None = None
    ) -> Iterator[object]:
        with self._mutex:
            lock = self._named_locks[name]
        wait = timeout_s if wait_s is None else wait_s
        if not (lock.acquire(timeout=wait) if wait > 0 else lock.acquire(blocking=False)):
            raise TimeoutError(f"could not take lock {name} within {wait}s")
        try:
            yield lock
        finally:
            lock.release()

    def ping(self) -> bool:
        return True

    def flush_all(self) -> None:
        with self._mutex:
            self._strings.clear()
            self._hashes.clear()
            self._sets.clear()
