"""A poll handled as one batch: the store and publisher a consumer's handler writes through.

A service's handler commits one unit of work per event (service_layer/unit_of_work.py).
Wrapped in these two adapters, the units of work of one poll, on the thread that polls, go
into an overlay instead: the store's writes wait, in order, for one store transaction; the
published messages wait for one publish and one flush. Reads through the wrapped store see
the overlay first, so each event sees every earlier event of its poll, exactly as if each had
been stored on its own; a string, hash or hash field read once in a batch is not read from
the wrapped store again in it. That is sound for the keys a batch reads and then writes: the
risk service owns its keys, by area, and the gatekeeper holds each body's lock from the first
read of its register until the batch is stored (`hold_locks`); a key another process writes
(a peer review, say) is read as it was when the batch first read it, a moment earlier. Other
threads (HTTP requests, other consumers) and this thread outside a batch use the wrapped store
and publisher directly and see only what is committed.

`PollBatch` (service_layer/unit_of_work.py) opens the batch and ends it in the one safe order:
publish and flush, then one transaction, then the consumer commits its offsets.
"""

from __future__ import annotations

import builtins
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any

from riskgate.adapters.bus import Publisher
from riskgate.adapters.store import READS, Read, RecordedBatch, Store


@dataclass
class _Overlay:
    """What a batch has written, in order (`ops`), and what it knows of the keys it has read
    or written as the batch leaves them: a string (None: absent); a hash's fields (None: absent),
    every field of it once read whole or deleted (`complete`); a set's members added since the
    batch began (`cleared`: the stored members no longer count), and whether each member it
    asked about was stored (`members`). Writing a hash field does not read the hash: a batch
    that only adds to a large hash never loads it."""

    ops: list[tuple[Any, ...]] = field(default_factory=list)
    strings: dict[str, str | None] = field(default_factory=dict)
    hashes: dict[str, dict[str, str | None]] = field(default_factory=dict)
    complete: builtins.set[str] = field(default_factory=builtins.set)
    sets: dict[str, tuple[bool, builtins.set[str]]] = field(default_factory=dict)
    members: dict[str, dict[str, bool]] = field(default_factory=dict)

    def apply(self, op: tuple[Any, ...]) -> None:
        """Apply a write to what the batch knows."""
        self.ops.append(op)
        kind, key = op[0], op[1]
        if kind == "set":
            self.strings[key] = op[2]
        elif kind == "hset":
            self.hashes.setdefault(key, {}).update(op[2])
        elif kind == "hdel":
            self.hashes.setdefault(key, {}).update(dict.fromkeys(op[2]))
        elif kind == "sadd":
            cleared, added = self.sets.get(key, (False, set()))
            self.sets[key] = (cleared, added | set(op[2]))
        elif kind == "delete":
            self.strings[key] = None
            self.hashes[key] = {}
            self.complete.add(key)
            self.sets[key] = (True, set())

    def hget(self, key: str, name: str) -> tuple[bool, str | None]:
        """(known, value): whether the batch knows the field without asking the store."""
        fields = self.hashes.get(key)
        if fields is not None and name in fields:
            return True, fields[name]
        return key in self.complete, None

    def learn_field(self, key: str, name: str, value: str | None) -> str | None:
        fields = self.hashes.setdefault(key, {})
        if name not in fields:  # a write in the batch since the read wins
            fields[name] = value
        return fields[name]

    def learn_hash(self, key: str, stored: dict[str, str]) -> None:
        """The whole hash as stored, under what the batch has written to it."""
        if key not in self.complete:
            self.hashes[key] = {**stored, **self.hashes.get(key, {})}
            self.complete.add(key)

    def whole(self, key: str) -> dict[str, str]:
        return {k: v for k, v in self.hashes[key].items() if v is not None}

    def sismember(self, key: str, member: str) -> bool | None:
        """Whether `member` is in the set as the batch leaves it (None: ask the store)."""
        held = self.sets.get(key)
        if held is not None:
            cleared, added = held
            if member in added:
                return True
            if cleared:
                return False
        return self.members.get(key, {}).get(member)

    def learn_member(self, key: str, member: str, stored: bool) -> bool:
        """Whether `member` is in the set as the batch leaves it, given whether it is stored."""
        self.members.setdefault(key, {})[member] = stored
        known = self.sismember(key, member)
        assert known is not None
        return known


def coalesced(ops: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The same writes, fewer: one op per key and kind, in effect as the whole sequence in
    one transaction (keys are independent, so only each key's own order matters): a delete
    first if the key was deleted, then its last string, the last state of each hash field
    written since (one HDEL, one HSET) and the members added since (one SADD)."""
    deleted: dict[str, None] = {}
    strings: dict[str, str] = {}
    fields: dict[str, dict[str, str | None]] = {}
    members: dict[str, dict[str, None]] = {}
    for op in ops:
        kind, key = op[0], op[1]
        if kind == "delete":
            deleted[key] = None
            strings.pop(key, None)
            fields.pop(key, None)
            members.pop(key, None)
        elif kind == "set":
            strings[key] = op[2]
        elif kind == "hset":
            fields.setdefault(key, {}).update(op[2])
        elif kind == "hdel":
            fields.setdefault(key, {}).update(dict.fromkeys(op[2]))
        elif kind == "sadd":
            members.setdefault(key, {}).update(dict.fromkeys(op[2]))
        else:
            raise ValueError(f"cannot coalesce a {kind!r} write")
    out: list[tuple[Any, ...]] = [("delete", key) for key in deleted]
    out += [("set", key, value) for key, value in strings.items()]
    for key, state in fields.items():
        gone = tuple(name for name, value in state.items() if value is None)
        if gone:
            out.append(("hdel", key, gone))
        kept = {name: value for name, value in state.items() if value is not None}
        if kept:
            out.append(("hset", key, kept))
    out += [("sadd", key, tuple(added)) for key, added in members.items()]
    return out


class _Held(threading.local):
    """What this thread's batch holds (None: no batch open on this thread), and the locks it
    has taken (held until the batch is stored, or forgotten)."""

    overlay: _Overlay | None = None
    messages: list[tuple[str, str | None, Any]] | None = None
    locks: ExitStack | None = None
    locked: builtins.set[str] | None = None
    opened: float = 0.0
    after: list[Callable[[], object]] | None = None


class BatchingStore:
    """A Store whose transactions, inside `begin()`…`end()` on one thread, wait for one.

    With `hold_locks`, a lock taken inside a batch is held until the batch is stored or
    forgotten, so that what was decided under it is in the store before another process can
    take it (the gatekeeper decides under a lock per body). A batch never waits for a lock
    while it holds another: when one is taken elsewhere, `on_contention` (PollBatch: store what
    the batch holds, let its locks go, start a new batch) runs first, then the lock is waited
    for. The same happens when the batch holds `max_locks` locks or has been open for
    `max_hold_s` seconds, well inside the locks' expiry."""

    def __init__(
        self,
        base: Store,
        *,
        hold_locks: bool = False,
        max_locks: int = 256,
        max_hold_s: float = 5.0,
    ) -> None:
        self.base = base
        self._local = _Held()
        self._hold_locks = hold_locks
        self._max_locks = max_locks
        self._max_hold_s = max_hold_s
        self.on_contention: Callable[[], None] | None = None

    def _overlay(self) -> _Overlay | None:
        return self._local.overlay

    def begin(self) -> None:
        """Start holding this thread's writes (a batch already open carries on)."""
        if self._overlay() is None:
            self._local.overlay = _Overlay()
            self._local.opened = time.monotonic()

    def end(self) -> None:
        """Write what the batch holds in one transaction of the wrapped store, then stop
        holding, let the batch's locks go and run what waited for the commit. On failure the
        batch stays open: `discard` it."""
        overlay = self._overlay()
        if overlay is None:
            return
        if overlay.ops:
            with self.base.transaction() as batch:
                for kind, key, *rest in coalesced(overlay.ops):
                    if kind in ("hdel", "sadd"):
                        getattr(batch, kind)(key, *rest[0])
                    else:
                        getattr(batch, kind)(key, *rest)
        after = self._local.after or []
        self.discard()
        for action in after:
            action()

    def discard(self) -> None:
        """Forget what the batch holds (nothing of it is stored) and let its locks go."""
        self._local.overlay = None
        self._local.after = None
        locks, self._local.locks, self._local.locked = self._local.locks, None, None
        if locks is not None:
            locks.close()

    @property
    def holding(self) -> bool:
        """Whether this thread's writes are being held for the batch's one transaction."""
        return self._overlay() is not None

    def after_commit(self, action: Callable[[], object]) -> None:
        """Run `action` once what this thread has written is stored: now, outside a batch;
        after the batch's transaction, inside one (never, if the batch is forgotten)."""
        if self._overlay() is None:
            action()
        else:
            if self._local.after is None:
                self._local.after = []
            self._local.after.append(action)

    # Reads: the overlay over the wrapped store ------------------------------------

    def get(self, key: str) -> str | None:
        overlay = self._overlay()
        if overlay is None:
            return self.base.get(key)
        if key not in overlay.strings:
            overlay.strings[key] = self.base.get(key)
        return overlay.strings[key]

    def hget(self, key: str, field: str) -> str | None:
        overlay = self._overlay()
        if overlay is None:
            return self.base.hget(key, field)
        known, value = overlay.hget(key, field)
        if known:
            return value
        return overlay.learn_field(key, field, self.base.hget(key, field))

    def hgetall(self, key: str) -> dict[str, str]:
        overlay = self._overlay()
        if overlay is None:
            return self.base.hgetall(key)
        if key not in overlay.complete:
            overlay.learn_hash(key, self.base.hgetall(key))
        return overlay.whole(key)

    def sismember(self, key: str, member: str) -> bool:
        overlay = self._overlay()
        if overlay is None:
            return self.base.sismember(key, member)
        known = overlay.sismember(key, member)
        if known is None:
            return overlay.learn_member(key, member, self.base.sismember(key, member))
        return known

    def smembers(self, key: str) -> builtins.set[str]:
        overlay = self._overlay()
        held = overlay.sets.get(key) if overlay is not None else None
        if held is None:
            return self.base.smembers(key)
        cleared, added = held
        return set(added) if cleared else self.base.smembers(key) | added

    def read_many(self, reads: Sequence[Read]) -> list[Any]:
        """The reads; in a batch, what the batch does not know is read in one round trip."""
        overlay = self._overlay()
        if overlay is None:
            return self.base.read_many(reads)
        asked = [read for read in reads if not self._known(overlay, read)]
        answers = dict(zip(map(tuple, asked), self.base.read_many(asked), strict=True))
        results: list[Any] = []
        for read in reads:
            op, key, *args = read
            stored = answers.get(tuple(read))
            if op == "hget":
                results.append(
                    overlay.learn_field(key, args[0], stored) if tuple(read) in answers
                    else overlay.hget(key, args[0])[1]
                )
            elif op == "hgetall":
                if tuple(read) in answers:
                    overlay.learn_hash(key, stored or {})
                results.append(overlay.whole(key))
            elif tuple(read) in answers:
                results.append(overlay.learn_member(key, args[0], bool(stored)))
            else:
                results.append(bool(overlay.sismember(key, args[0])))
        return results

    @staticmethod
    def _known(overlay: _Overlay, read: Read) -> bool:
        op, key, *args = read
        if op == "hget":
            return overlay.hget(key, args[0])[0]
        if op == "hgetall":
            return key in overlay.complete
        if op == "sismember":
            return overlay.sismember(key, args[0]) is not None
        raise ValueError(f"read_many: {op!r} is not one of {', '.join(READS)}")

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
        if key in overlay.hashes and self.hgetall(key):
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
            overlay.apply(op)

    def lock(
        self, name: str, timeout_s: float = 30.0, wait_s: float | None = None
    ) -> AbstractContextManager[object]:
        if not self._hold_locks or self._overlay() is None:
            return self.base.lock(name, timeout_s, wait_s)
        held = self._local
        if held.locked is not None and name in held.locked:
            return nullcontext()  # taken earlier in this batch, held until it ends
        if held.locked and (
            len(held.locked) >= self._max_locks
            or time.monotonic() - held.opened >= self._max_hold_s
        ):
            self._contended()
        elif held.locked:
            try:  # never wait while holding: another batch may wait for one of ours
                return self._take(name, timeout_s, 0)
            except TimeoutError:
                self._contended()
        return self._take(name, timeout_s, wait_s)

    def _contended(self) -> None:
        if self.on_contention is None:
            raise RuntimeError("a batch holding locks needs on_contention to let them go")
        self.on_contention()  # the batch stored, its locks gone, a new one begun

    def _take(
        self, name: str, timeout_s: float, wait_s: float | None
    ) -> AbstractContextManager[object]:
        held = self._local
        if held.locks is None:
            held.locks, held.locked = ExitStack(), set()
        assert held.locked is not None
        held.locks.enter_context(self.base.lock(name, timeout_s, wait_s))
        held.locked.add(name)
        return nullcontext()

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
