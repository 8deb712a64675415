"""One contract every state store passes (memory, Redis, SQLite); the bus contract
(tests/bus_contract.py) on the embedded buses (memory, SQLite), and what SQLite keeps."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from riskgate.adapters.batching import BatchingStore
from riskgate.adapters.bus import MemoryBus
from riskgate.adapters.redis_store import RedisStore
from riskgate.adapters.sqlite_bus import SqliteBus
from riskgate.adapters.sqlite_store import SqliteStore
from riskgate.adapters.store import MemoryStore, Store
from tests.bus_contract import (  # noqa: F401 - the shared bus tests, collected here
    TOPIC,
    ids,
    published,
    test_a_group_resumes_after_its_last_commit,
    test_a_poll_does_not_deliver_the_same_records_twice_to_one_member,
    test_max_records_limits_a_poll_and_the_rest_follow,
    test_read_all_returns_the_whole_topic_with_keys_and_offsets,
    test_rewind_redelivers_from_that_record_on,
    test_two_groups_read_independently,
    test_uncommitted_records_are_redelivered_to_a_new_member_of_the_group,
)

# Another handle on the same state: what a second process would see.
Handles = tuple[Store, Callable[[], Store]]

# The session has only Redis databases 1..15 to hand out, so this module takes one from the
# `redis_url` fixture on first use and empties it before each test.
_module_redis: dict[str, str] = {}


@pytest.fixture
def empty_redis(request: pytest.FixtureRequest) -> str:
    """The module's Redis database, emptied."""
    if "url" not in _module_redis:
        _module_redis["url"] = request.getfixturevalue("redis_url")
    url = _module_redis["url"]
    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()
    return url


@pytest.fixture(params=["memory", "redis", "sqlite", "batching", "in-a-batch"])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Handles]:
    if request.param == "memory":
        memory = MemoryStore()
        yield memory, lambda: memory
        return
    if request.param in ("batching", "in-a-batch"):
        # The risk service's store (adapters/batching.py): outside a batch it passes straight
        # on; inside one, this thread reads its own held writes as a store would read them.
        batching = BatchingStore(SqliteStore(tmp_path / "home" / "riskgate.sqlite3"))
        if request.param == "in-a-batch":
            batching.begin()
            yield batching, lambda: batching
            batching.discard()
            return
        yield batching, lambda: BatchingStore(batching.base)
        return
    if request.param == "sqlite":
        files: list[SqliteStore] = []

        def open_file() -> SqliteStore:
            files.append(SqliteStore(tmp_path / "home" / "riskgate.sqlite3"))
            return files[-1]

        yield open_file(), open_file
        for file in files:
            file.close()
        return
    url = request.getfixturevalue("empty_redis")
    opened: list[RedisStore] = []

    def open_store() -> RedisStore:
        opened.append(RedisStore(url))
        return opened[-1]

    yield open_store(), open_store
    for store in opened:
        store.client.close()


def test_get_returns_what_set_stored_and_none_for_a_missing_key(stores: Handles) -> None:
    store, other = stores
    store.set("idem:a", "1")
    store.set("idem:a", "2")

    assert other().get("idem:a") == "2"
    assert store.get("idem:missing") is None


def test_hashes_keep_fields_and_merge_updates(stores: Handles) -> None:
    store, other = stores
    store.hset("bodies", {"E08000028": "sandwell", "E10000014": "hampshire"})
    store.hset("bodies", {"E10000014": "hants"})

    assert other().hgetall("bodies") == {"E08000028": "sandwell", "E10000014": "hants"}
    assert store.hget("bodies", "E10000014") == "hants"
    assert store.hget("bodies", "E99999999") is None
    assert store.hget("nothing", "x") is None
    assert store.hgetall("nothing") == {}


def test_sadd_counts_only_new_members(stores: Handles) -> None:
    store, other = stores

    assert store.sadd("done:risk", "e1", "e2") == 2
    assert store.sadd("done:risk", "e2", "e3") == 1
    assert store.sadd("done:risk", "e3") == 0
    assert store.sadd("done:risk") == 0
    assert other().smembers("done:risk") == {"e1", "e2", "e3"}
    assert store.sismember("done:risk", "e1")
    assert not store.sismember("done:risk", "e9")
    assert not store.sismember("done:none", "e1")
    assert store.smembers("done:none") == set()


def test_read_many_gives_each_read_what_it_gives_alone_in_order(stores: Handles) -> None:
    store, other = stores
    store.hset("bodies", {"E08000028": "sandwell"})
    store.sadd("done:risk", "e1")
    reads = [
        ("sismember", "done:risk", "e1"),
        ("sismember", "done:risk", "e9"),
        ("hgetall", "bodies"),
        ("hgetall", "nothing"),
        ("hget", "bodies", "E08000028"),
        ("hget", "bodies", "E99999999"),
    ]

    assert other().read_many(reads) == [
        True,
        False,
        {"E08000028": "sandwell"},
        {},
        "sandwell",
        None,
    ]
    assert store.read_many([]) == []
    with pytest.raises(ValueError, match="'set' is not one of"):
        store.read_many([("set", "bodies", "x")])


def test_read_many_of_a_whole_poll_gives_what_the_single_reads_give(stores: Handles) -> None:
    # More reads of each kind than one statement takes, repeated, present and absent, with
    # keys and fields no query may trip on; hashes keep the order a single read gives.
    store, other = stores
    odd = ["'); DROP TABLE store_sets; --", "é\u00a0ü", "?", "x" * 2000, ""]
    for n in range(0, 900, 3):
        store.hset(f"risk:ind:{n}", {f"2009-Q{q}": f"{n}.{q}" for q in (4, 1, 3)})
        store.sadd("processed:risk", f"e{n}")
    for text in odd:
        store.hset(f"h:{text}", {text: text, "z": "1", "a": "2"})
        store.sadd(f"s:{text}", text)
    reads: list[tuple[str, ...]] = []
    for n in range(900):
        reads += [
            ("sismember", "processed:risk", f"e{n}"),
            ("hgetall", f"risk:ind:{n}"),
            ("hget", f"risk:ind:{n}", "2009-Q3"),
        ]
    for text in odd:
        reads += [("hgetall", f"h:{text}"), ("hget", f"h:{text}", text), ("sismember", f"s:{text}", text)]
    reads += reads[:50]  # a read asked twice answers twice
    handle = other()

    many = handle.read_many(reads)

    assert many == [getattr(handle, op)(*args) for op, *args in reads]
    assert [list(m) for m in many if isinstance(m, dict)] == [
        list(handle.hgetall(key)) for op, key, *_ in reads if op == "hgetall"
    ]
    # e0, e3, … e897 stored; each odd member; e0 … e15 asked again (6 stored)
    assert sum(1 for m in many if m is True) == 300 + len(odd) + 6


def test_keys_lists_every_kind_of_key_under_a_prefix_sorted(stores: Handles) -> None:
    store, _ = stores
    store.hset("gk:register:E2", {"i": "x"})
    store.set("gk:register:E1", "x")
    store.sadd("gk:register:E3", "x")
    store.set("gk:requests", "x")
    store.set("work:ofsted", "x")
    store.set("gk;neighbour", "x")  # sorts just after every "gk:" key

    assert store.keys("gk:register:") == ["gk:register:E1", "gk:register:E2", "gk:register:E3"]
    assert store.keys("gk:") == [
        "gk:register:E1",
        "gk:register:E2",
        "gk:register:E3",
        "gk:requests",
    ]
    assert store.keys("nothing:") == []


def test_a_transaction_applies_all_its_writes_when_the_block_ends(stores: Handles) -> None:
    store, other = stores
    store.hset("h", {"keep": "1", "drop": "2"})
    store.set("gone", "x")
    reader = other()

    with store.transaction() as batch:
        batch.set("s", "v")
        batch.hset("h", {"new": "3"})
        batch.hdel("h", "drop")
        batch.sadd("set", "a", "b")
        batch.delete("gone")
        assert reader.get("s") is None  # nothing is visible until the block ends
        assert reader.get("gone") == "x"

    assert reader.get("s") == "v"
    assert reader.hgetall("h") == {"keep": "1", "new": "3"}
    assert reader.smembers("set") == {"a", "b"}
    assert reader.get("gone") is None
    assert "gone" not in reader.keys("")


def test_a_transaction_whose_block_raises_applies_nothing(stores: Handles) -> None:
    store, other = stores
    store.set("s", "before")

    with pytest.raises(RuntimeError, match="handler failed"), store.transaction() as batch:
        batch.set("s", "after")
        batch.hset("h", {"f": "v"})
        batch.sadd("set", "a")
        raise RuntimeError("handler failed")

    reader = other()
    assert reader.get("s") == "before"
    assert reader.hgetall("h") == {}
    assert reader.smembers("set") == set()


def _try_lock(store: Store, name: str, timeout_s: float) -> BaseException | None:
    """Take and release the lock from another thread; return what went wrong, if anything."""
    outcome: list[BaseException | None] = []

    def attempt() -> None:
        try:
            with store.lock(name, timeout_s=timeout_s):
                outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            outcome.append(exc)

    thread = threading.Thread(target=attempt)
    thread.start()
    thread.join(timeout=timeout_s + 5)
    assert outcome, "the second lock attempt neither succeeded nor failed"
    return outcome[0]


def test_a_lock_excludes_a_second_holder_until_it_is_released(stores: Handles) -> None:
    first, other = stores
    second = other()

    with first.lock("gk:body:E08000028", timeout_s=10):
        blocked = _try_lock(second, "gk:body:E08000028", timeout_s=0.3)
        elsewhere = _try_lock(second, "gk:body:E10000014", timeout_s=0.3)

    assert isinstance(blocked, TimeoutError)
    assert "gk:body:E08000028" in str(blocked)
    assert elsewhere is None  # another body's lock is independent
    assert _try_lock(second, "gk:body:E08000028", timeout_s=0.3) is None


def test_a_lock_is_released_when_its_block_raises(stores: Handles) -> None:
    first, other = stores

    with pytest.raises(RuntimeError), first.lock("gk:body:E1", timeout_s=10):
        raise RuntimeError("decision failed")

    assert _try_lock(other(), "gk:body:E1", timeout_s=0.3) is None


def test_flush_all_forgets_everything(stores: Handles) -> None:
    store, other = stores
    store.set("s", "v")
    store.hset("h", {"f": "v"})
    store.sadd("set", "a")

    store.flush_all()

    reader = other()
    assert reader.keys("") == []
    assert reader.get("s") is None
    assert reader.hgetall("h") == {}
    assert reader.smembers("set") == set()


def test_stores_answer_ping(stores: Handles) -> None:
    assert stores[0].ping()


def test_redis_flush_all_leaves_other_namespaces_alone(empty_redis: str) -> None:
    store = RedisStore(empty_redis)
    neighbour = RedisStore(empty_redis, namespace="neighbour:")
    try:
        neighbour.set("s", "kept")
        store.set("s", "dropped")

        store.flush_all()

        assert neighbour.get("s") == "kept"
        assert store.get("s") is None
    finally:
        store.client.close()
        neighbour.client.close()


# --- the embedded buses ---------------------------------------------------------------------
# The delivery rules every bus keeps are in tests/bus_contract.py, run here on the memory and
# SQLite buses (and on Kafka in tests/integration/test_bus_contract.py).

EmbeddedBus = MemoryBus | SqliteBus


@pytest.fixture(params=["memory", "sqlite"])
def bus(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EmbeddedBus]:
    if request.param == "memory":
        yield MemoryBus()
        return
    file = SqliteBus(tmp_path / "home" / "riskgate.sqlite3")
    yield file
    file.close()


def test_backlog_counts_what_a_group_has_not_committed(bus: EmbeddedBus) -> None:
    published(bus, "a", "b", "c")
    risk = bus.subscribe("risk", [TOPIC])
    risk.commit(risk.poll(0)[:2])
    risk.close()
    audit = bus.subscribe("audit", [TOPIC])
    audit.commit(audit.poll(0))

    assert bus.backlog("risk", [TOPIC]) == 1
    assert bus.backlog("audit", [TOPIC]) == 0
    assert bus.backlog("never.subscribed", [TOPIC]) == 3


# --- SQLite: what a restart and a second process see ------------------------------------------


def test_sqlite_records_positions_and_state_survive_reopening_the_file(tmp_path: Path) -> None:
    path = tmp_path / "riskgate.sqlite3"
    first_bus, first_store = SqliteBus(path), SqliteStore(path)
    published(first_bus, "a", "b", "c")
    sub = first_bus.subscribe("risk", [TOPIC])
    sub.commit(sub.poll(0)[:1])
    first_store.sadd("ingest:accepted", "a", "b", "c")
    first_bus.close()
    first_store.close()

    bus, store = SqliteBus(path), SqliteStore(path)

    assert ids(bus.read_all(TOPIC)) == ["a", "b", "c"]
    assert ids(bus.subscribe("risk", [TOPIC]).poll(0)) == ["b", "c"]
    assert store.smembers("ingest:accepted") == {"a", "b", "c"}
    published(bus, "d")
    assert [r.offset for r in bus.read_all(TOPIC)] == [0, 1, 2, 3]


def test_sqlite_records_published_but_not_flushed_are_not_delivered(tmp_path: Path) -> None:
    bus = SqliteBus(tmp_path / "riskgate.sqlite3")
    sub = bus.subscribe("risk", [TOPIC])
    bus.publisher().publish(TOPIC, "E08000028", {"event_id": "a"})

    assert sub.poll(0) == []
    bus.publisher().flush()
    assert ids(sub.poll(0)) == ["a"]


def test_sqlite_poll_waits_for_a_record_another_thread_publishes(tmp_path: Path) -> None:
    bus = SqliteBus(tmp_path / "riskgate.sqlite3")
    sub = bus.subscribe("risk", [TOPIC])
    threading.Timer(0.2, published, args=(bus, "late")).start()

    assert ids(sub.poll(timeout_s=10)) == ["late"]


HOLD_LOCK = """
import sys, time
from pathlib import Path
from riskgate.adapters.sqlite_store import SqliteStore
with SqliteStore(Path(sys.argv[1])).lock("lock:gk:E08000028"):
    print("held", flush=True)
    time.sleep(60)
"""


def test_a_sqlite_lock_excludes_another_process_and_dies_with_it(tmp_path: Path) -> None:
    path = tmp_path / "riskgate.sqlite3"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        store = SqliteStore(path)

        blocked = _try_lock(store, "lock:gk:E08000028", timeout_s=0.3)
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)

        assert isinstance(blocked, TimeoutError)
        assert _try_lock(store, "lock:gk:E08000028", timeout_s=2) is None
    finally:
        holder.kill()
        holder.wait()


def test_a_batch_stores_nothing_until_it_ends_then_everything_in_one_go(tmp_path: Path) -> None:
    """The risk service's poll batch: another process sees none of the poll's writes while
    it runs, all of them once it ends, and none at all if it is discarded."""
    path = tmp_path / "home" / "riskgate.sqlite3"
    batching, other = BatchingStore(SqliteStore(path)), SqliteStore(path)
    batching.set("before", "1")
    batching.begin()
    batching.set("s", "v")
    batching.hset("h", {"a": "1", "b": "2"})
    with batching.transaction() as batch:
        batch.hdel("h", "a")
        batch.sadd("set", "x")
    batching.sadd("set", "y")
    assert (batching.get("s"), batching.hgetall("h"), batching.smembers("set")) == (
        "v",
        {"b": "2"},
        {"x", "y"},
    )
    assert other.keys("") == ["before"]
    seen_elsewhere: list[str | None] = []
    thread = threading.Thread(target=lambda: seen_elsewhere.append(batching.get("s")))
    thread.start()
    thread.join()
    assert seen_elsewhere == [None]  # another thread of this process: only what is stored
    batching.end()
    assert (other.get("s"), other.hgetall("h"), other.smembers("set")) == (
        "v",
        {"b": "2"},
        {"x", "y"},
    )
    batching.begin()
    batching.set("s", "changed")
    batching.discard()
    assert other.get("s") == batching.get("s") == "v"
