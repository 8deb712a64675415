"""The gatekeeper's consumer commits a poll as one batch, holding each body's lock until the
batch is stored (issue 16): it decides exactly as one request at a time does, two gatekeepers
batching over the same bodies never deadlock nor decide a request twice, and the batch's writes
reach the store as fewer writes with the same effect."""

from __future__ import annotations

import json
import random
import threading
from pathlib import Path
from typing import Any

import pytest

from riskgate import topics
from riskgate.adapters.batching import BatchingPublisher, BatchingStore, coalesced
from riskgate.adapters.bus import MemoryBus
from riskgate.adapters.policy_file import load_policies
from riskgate.adapters.store import MemoryStore
from riskgate.bootstrap import bootstrap
from riskgate.config import Settings
from riskgate.domain.reference import load_reference
from riskgate.service_layer.gatekeeper import GatekeeperService
from riskgate.service_layer.unit_of_work import PollBatch
from tests.conftest import ROOT
from tests.gatekeeper_stream import DECEMBER, SEED, _bench, decided
from tests.unit.test_poll_batch import CountingStore

REQUESTS = 1500


def test_the_bench_stream_decided_in_poll_batches_is_byte_for_byte_the_one_by_one_decisions(
    tmp_path: Path,
) -> None:
    bench, reference = _bench(), load_reference()
    system = bootstrap(Settings(rules_dir=ROOT / "rules", home=tmp_path), store=MemoryStore())
    publisher = system.bus.publisher()
    for event in bench.organisational_assessments(reference, SEED):
        publisher.publish(topics.JUDGEMENTS, event["body"], event)
    system.pump(("gatekeeper",))
    stream = bench.national_stream(reference, REQUESTS, SEED, DECEMBER)
    for event in stream:
        publisher.publish(topics.REQUESTS, event["payload"]["area"], event)
    loop, polls = system.consumer("gatekeeper"), 0
    while loop.run_once(timeout_s=0):
        polls += 1
    assert polls == 3  # 500 records a poll: the batches really held many decisions each

    batched = [r.value for r in system.bus.read_all(topics.DECISIONS)]
    assert len(batched) > REQUESTS / 4
    assert batched == decided(REQUESTS)
    applied = system.store.smembers("done:gatekeeper")
    assert {e["event_id"] for e in stream} <= applied


def _gatekeeper(store: MemoryStore, bus: MemoryBus) -> GatekeeperService:
    return GatekeeperService(store, bus, load_policies(ROOT / "rules"))


def _requests(count: int) -> list[dict[str, Any]]:
    bench, reference = _bench(), load_reference()
    stream = bench.national_stream(reference, count, SEED, DECEMBER)
    # Only requests the gatekeeper decides at once (not held for an inspectorate's triage).
    policies = load_policies(ROOT / "rules")
    assert policies.triage is not None
    return [e for e in stream if not policies.triage.holds(e["payload"])]


def test_two_gatekeepers_batching_the_same_bodies_in_opposite_orders_decide_each_request_once(
) -> None:
    """Each gatekeeper's batch takes one body's lock, then (both at once) wants the body the
    other holds: each stores what it has and lets its own lock go before it waits, so neither
    waits for ever, and every request is decided once."""
    store, bus = MemoryStore(), MemoryBus()
    by_body: dict[str, list[dict[str, Any]]] = {}
    for event in _requests(400):
        by_body.setdefault(event["body"], []).append(event)
    (x, x_requests), (y, y_requests) = sorted(by_body.items(), key=lambda kv: -len(kv[1]))[:2]
    assert len(x_requests) >= 2 and len(y_requests) >= 2
    first, second = _gatekeeper(store, bus), _gatekeeper(store, bus)
    both_hold_one = threading.Barrier(2, timeout=10)
    failures: list[BaseException] = []

    def run(
        service: GatekeeperService, mine: list[dict[str, Any]], theirs: list[dict[str, Any]]
    ) -> None:
        try:
            service.poll_batch.begin()
            service.handle(mine[0])  # takes my body's lock, held until the batch is stored
            both_hold_one.wait()
            for event in [*theirs, *mine[1:]]:  # wants the other's body
                service.handle(event)
            service.poll_batch.end()
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread
            failures.append(exc)
        finally:
            service.poll_batch.discard()

    threads = [
        threading.Thread(target=run, args=(first, x_requests, y_requests)),
        threading.Thread(target=run, args=(second, y_requests, x_requests)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "the two gatekeepers deadlocked"
    assert not failures

    decided_ids = [
        json.loads(r.value)["payload"]["request"]["request_event_id"]
        for r in bus.read_all(topics.DECISIONS)
    ]
    assert sorted(decided_ids) == sorted(e["event_id"] for e in [*x_requests, *y_requests])
    # Decided against the register as the other left it: no inspection booked twice.
    for body in (x, y):
        inspections = first.register(body)
        assert len({i["inspection_id"] for i in inspections}) == len(inspections)


class _Counting(MemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.taken: list[str] = []

    def lock(self, name: str, timeout_s: float = 30.0, wait_s: float | None = None) -> Any:
        self.taken.append(name)
        return super().lock(name, timeout_s, wait_s)


def test_a_batch_lets_its_locks_go_before_it_waits_for_one_held_elsewhere() -> None:
    base = _Counting()
    store = BatchingStore(base, hold_locks=True)
    batch = PollBatch("gk-test", store, BatchingPublisher(MemoryBus()))
    released = threading.Event()
    other_has_a = threading.Event()

    def other() -> None:
        with base.lock("b"):
            released.wait(5)  # holds b until the batch has let a go
        with base.lock("a", wait_s=5):
            other_has_a.set()

    batch.begin()
    with store.lock("a"):
        store.hset("k", {"f": "1"})
    thread = threading.Thread(target=other)
    thread.start()
    while "b" not in base.taken:
        threading.Event().wait(0.001)
    # "b" is taken elsewhere: the batch stores what it holds and lets "a" go, then waits.
    threading.Timer(0.2, released.set).start()
    with store.lock("b"):
        assert base.hget("k", "f") == "1"  # stored before waiting
        assert other_has_a.wait(5)  # "a" was free while the batch waited for "b"
    batch.end()
    thread.join(5)


def test_a_batch_holds_a_lock_from_first_use_until_it_is_stored() -> None:
    base = MemoryStore()
    store = BatchingStore(base, hold_locks=True, max_locks=2)
    batch = PollBatch("gk-test", store, BatchingPublisher(MemoryBus()))
    batch.begin()
    for name in ("a", "b", "a"):
        with store.lock(name):
            store.hset("k", {name: "x"})
    # still held after its block, until the batch ends
    with pytest.raises(TimeoutError), base.lock("a", wait_s=0):
        pass
    assert base.hgetall("k") == {}
    with store.lock("c"):  # a third lock: max_locks, so the batch is stored first
        assert base.hgetall("k") == {"a": "x", "b": "x"}
        with base.lock("a", wait_s=0):
            pass  # and "a" is free again
    batch.end()
    with base.lock("c", wait_s=0):
        pass


def _state(store: MemoryStore) -> dict[str, Any]:
    return {
        key: (store.get(key), store.hgetall(key), sorted(store.smembers(key)))
        for key in store.keys("")
    }


@pytest.mark.parametrize("seed", range(40))
def test_coalesced_writes_leave_the_store_as_the_writes_one_by_one_would(seed: int) -> None:
    rng = random.Random(seed)
    keys, names = ["s1", "s2", "h1", "h2", "set1"], ["f1", "f2", "f3"]
    start = MemoryStore()
    with start.transaction() as batch:
        batch.set("s1", "old")
        batch.hset("h1", {"f1": "old", "f2": "old"})
        batch.sadd("set1", "m0")
    ops: list[tuple[Any, ...]] = []
    for _ in range(rng.randrange(1, 40)):
        key = rng.choice(keys)
        kind = rng.choice(["set", "hset", "hdel", "sadd", "delete"])
        if key.startswith("s") and not key.startswith("set") and kind not in ("set", "delete"):
            kind = "set"
        if key.startswith("h") and kind in ("set", "sadd"):
            kind = "hset"
        if key.startswith("set") and kind in ("set", "hset", "hdel"):
            kind = "sadd"
        if kind == "set":
            ops.append(("set", key, str(rng.random())))
        elif kind == "hset":
            ops.append(("hset", key, {rng.choice(names): str(rng.random())}))
        elif kind == "hdel":
            ops.append(("hdel", key, tuple(rng.sample(names, 2))))
        elif kind == "sadd":
            ops.append(("sadd", key, (f"m{rng.randrange(4)}",)))
        else:
            ops.append(("delete", key))

    def applied(sequence: list[tuple[Any, ...]]) -> dict[str, Any]:
        store = MemoryStore()
        with store.transaction() as batch:
            for key in start.keys(""):
                if start.get(key) is not None:
                    batch.set(key, start.get(key) or "")
                if start.hgetall(key):
                    batch.hset(key, start.hgetall(key))
                if start.smembers(key):
                    batch.sadd(key, *start.smembers(key))
        with store.transaction() as batch:
            for kind, key, *rest in sequence:
                if kind in ("hdel", "sadd"):
                    getattr(batch, kind)(key, *rest[0])
                else:
                    getattr(batch, kind)(key, *rest)
        return _state(store)

    shorter = coalesced(ops)
    assert applied(shorter) == applied(ops)
    assert len(shorter) <= len(ops)


@pytest.mark.parametrize("store", [MemoryStore, CountingStore], ids=["memory", "prefetched"])
def test_a_batched_gatekeeper_poll_dead_letters_hostile_records_and_decides_the_rest(
    tmp_path: Path, store: type[MemoryStore]
) -> None:
    """Records no handler can use, in the same poll as good requests: not JSON, not UTF-8, a
    list of 100,000 numbers, a megabyte-long field. Each goes to the dead-letter topic with
    its kind; the requests around them are decided, or held for triage, in the same batch
    (`prefetched`: on a store where the poll's held requests are read ahead, as on Redis)."""
    system = bootstrap(Settings(rules_dir=ROOT / "rules", home=tmp_path), store=store())
    bus = system.bus.publisher()
    first, second = _requests(40)[:2]
    policies = load_policies(ROOT / "rules")
    assert policies.triage is not None
    stream = _bench().national_stream(load_reference(), 40, SEED, DECEMBER)
    held = next(e for e in stream if policies.triage.holds(e["payload"]))
    bus.publish(topics.REQUESTS, held["payload"]["area"], held)
    huge = {**second, "event_id": "9" * 8 + second["event_id"][8:]}
    huge["payload"] = {**second["payload"], "reason": "x" * 1_000_000}
    bus.publish(topics.REQUESTS, first["payload"]["area"], first)
    a_long_list = json.dumps([1] * 100_000, separators=(",", ":")).encode()  # under the size limit
    for raw in (b"{not json", b"\xff\xfe\xfd", a_long_list):
        bus.publish_raw(topics.REQUESTS, first["payload"]["area"], raw)
    bus.publish(topics.REQUESTS, huge["payload"]["area"], huge)
    bus.publish(topics.REQUESTS, second["payload"]["area"], second)

    assert system.consumer("gatekeeper").run_once(timeout_s=0) == 7
    letters = [json.loads(r.value) for r in system.bus.read_all(topics.DEAD_LETTERS)]
    assert [letter["kind"] for letter in letters] == [
        "not_json", "not_utf8", "invalid_event", "oversize"
    ]
    assert "1000" in letters[3]["reason"]  # the megabyte field: its size, over the limit
    messages = [json.loads(r.value) for r in system.bus.read_all(topics.DECISIONS)]
    decided = {
        m["payload"]["request"]["request_event_id"]
        for m in messages
        if m["type"] == "gatekeeper.decision"
    }
    assert decided == {first["event_id"], second["event_id"]}
    triaged = [
        m["payload"]["request"]["request_event_id"]
        for m in messages
        if m["type"] == "inspection.triaged"
    ]
    assert triaged == [held["event_id"]]
    assert system.consumer("gatekeeper").run_once(timeout_s=0) == 0  # committed: none again


def test_a_polls_requests_held_in_triage_ask_whether_they_came_before_in_one_round_trip(
    tmp_path: Path,
) -> None:
    """On Redis a read is a round trip: the requests a poll holds for their inspectorates'
    triage ask whether they were handled before all together, as the poll starts, not one
    each. A request held twice in one poll, or again in a later poll, is held once."""
    bench, reference = _bench(), load_reference()
    policies = load_policies(ROOT / "rules")
    assert policies.triage is not None
    stream = bench.national_stream(reference, 300, SEED, DECEMBER)
    held = [e for e in stream if policies.triage.holds(e["payload"])]
    assert 50 <= len(held) < len(stream)  # some held, some decided at once
    again = held[:5]

    def run(store: MemoryStore, home: Path) -> tuple[list[bytes], int]:
        system = bootstrap(Settings(rules_dir=ROOT / "rules", home=home), store=store)
        publisher = system.bus.publisher()
        for event in bench.organisational_assessments(reference, SEED):
            publisher.publish(topics.JUDGEMENTS, event["body"], event)
        system.pump(("gatekeeper",))
        for event in [*stream, *again]:  # the first held five twice in the same poll
            publisher.publish(topics.REQUESTS, event["payload"]["area"], event)
        if isinstance(store, CountingStore):
            store.single.clear()
        assert system.consumer("gatekeeper").run_once(timeout_s=0) == len(stream) + len(again)
        single = store.single.count("done:gatekeeper") if isinstance(store, CountingStore) else 0
        for event in again:  # and once more, in a poll of their own
            publisher.publish(topics.REQUESTS, event["payload"]["area"], event)
        assert system.consumer("gatekeeper").run_once(timeout_s=0) == len(again)
        return [r.value for r in system.bus.read_all(topics.DECISIONS)], single

    counted, single = run(CountingStore(), tmp_path / "counted")
    one_by_one, _ = run(MemoryStore(), tmp_path / "reference")  # no prefetch: a read each

    assert single == 0  # none of the held requests asked on its own
    assert counted == one_by_one
    triaged = [json.loads(v) for v in counted if json.loads(v)["type"] == "inspection.triaged"]
    held_ids = sorted(t["payload"]["request"]["request_event_id"] for t in triaged)
    assert held_ids == sorted(e["event_id"] for e in held)  # each held once
