"""A unit of work that applies many events (the batch annual pass stores thousands of quiet
indicator values in one) marks every one of them processed, in the same transaction as its
writes, on the embedded store and on real Redis; the markers go as set writes of at most
MARKERS_PER_WRITE members each."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import pytest

from riskgate.adapters.redis_store import RedisStore
from riskgate.adapters.store import MemoryStore, Store
from riskgate.service_layer.unit_of_work import MARKERS_PER_WRITE, UnitOfWork, processed_key

EVENTS = 2 * MARKERS_PER_WRITE + 7  # three set writes, the last a short one


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> Store:
    if request.param == "memory":
        return MemoryStore()
    return RedisStore(request.getfixturevalue("redis_url"))


def test_every_event_of_a_large_unit_is_marked_processed_with_its_writes(store: Store) -> None:
    ids = [f"event-{n:05d}" for n in range(EVENTS)]
    work = UnitOfWork("markers")
    work.store(lambda batch: batch.hset("markers:facts", {"count": str(len(ids))}))
    for event_id in ids:
        work.consume(event_id)
    work.commit(None, store)

    assert store.smembers(processed_key("markers")) == set(ids)
    assert store.hgetall("markers:facts") == {"count": str(EVENTS)}
    assert not store.sismember(processed_key("markers"), "event-not-applied")


def test_the_markers_go_in_bounded_set_writes() -> None:
    writes: list[tuple[str, tuple[str, ...]]] = []

    class Recording:
        def sadd(self, key: str, *members: str) -> None:
            writes.append((key, members))

    class Store:
        def transaction(self) -> AbstractContextManager[Recording]:
            return nullcontext(Recording())

    work = UnitOfWork("markers")
    for n in range(EVENTS):
        work.consume(f"e{n}")
    work.commit(None, Store())  # type: ignore[arg-type]

    assert [len(members) for _, members in writes] == [MARKERS_PER_WRITE, MARKERS_PER_WRITE, 7]
    assert [m for _, members in writes for m in members] == [f"e{n}" for n in range(EVENTS)]
    assert {key for key, _ in writes} == {"done:markers"}
