"""No silent loss on the memory bus: every record a consumer cannot handle is dead-lettered
with its kind and reason, and the valid records after it in the same poll are handled.
The same batch on real Kafka is tests/integration/test_poison.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import redis

from riskgate import limits, topics
from riskgate.adapters.bus import (
    CommitLost,
    MemoryBus,
    MemorySubscription,
    Record,
    encode,
    record_of,
)
from riskgate.bootstrap import SUBSCRIPTIONS, System, bootstrap
from riskgate.config import Settings
from riskgate.entrypoints.consumer import POISON_ATTEMPTS, ConsumerLoop, Unusable, dead_letter
from tests.conftest import ROOT
from tests.integration.cluster import indicator_event
from tests.poison import NEET, SANDWELL, batch, red_flag_evidence


@pytest.fixture
def system(tmp_path: Path) -> System:
    system = bootstrap(Settings(rules_dir=ROOT / "rules", home=tmp_path))
    for service in SUBSCRIPTIONS:  # the shipped loops, without the pause between retries
        shipped = system.consumer(service)
        system.loops[service] = ConsumerLoop(
            service,
            system.bus.subscribe(f"riskgate-{service}", SUBSCRIPTIONS[service]),
            system.handler_for(service),
            system.bus.publisher(),
            retry_pause_s=0,
            area_of=shipped._area_of,
            batch=shipped._batch,  # the risk service's poll batch, as shipped
        )
    return system


def _pump_until_drained(system: System) -> None:
    bus = system.bus
    assert isinstance(bus, MemoryBus)
    for _ in range(POISON_ATTEMPTS * 4):
        system.pump()
        if bus.backlog("riskgate-risk", topics.EVENT_TOPICS) == 0:
            return
    raise AssertionError("the risk consumer never got past its events")


def _letters(bus: Any, consumer: str) -> list[dict[str, Any]]:
    letters = [json.loads(r.value) for r in bus.read_all(topics.DEAD_LETTERS)]
    return [letter for letter in letters if letter["consumer"] == consumer]


def test_every_poison_is_dead_lettered_and_every_follower_in_the_same_poll_is_handled(
    system: System,
) -> None:
    poisons, followers, records = batch()
    bus = system.bus
    assert isinstance(bus, MemoryBus)  # which, like a raw producer, takes a key's bytes as sent
    for key, value in records:
        bus.publish_raw(topics.EVENTS, key, value)
    _pump_until_drained(system)

    judgements = [json.loads(r.value) for r in system.bus.read_all(topics.JUDGEMENTS)]
    assert red_flag_evidence(judgements) == {e["event_id"] for e in followers}
    letters = _letters(system.bus, "risk")
    assert [letter["kind"] for letter in letters] == [p.kind for p in poisons]
    for poison, letter in zip(poisons, letters, strict=True):
        assert poison.reason_says in letter["reason"], letter["reason"]
        assert letter["topic"] == topics.EVENTS
        assert letter["value_bytes"] == len(poison.value)
        assert letter["value_digest"] == limits.digest(poison.value)
    oversize = next(letter for letter in letters if letter["kind"] == "oversize")
    assert len(encode(oversize)) < 2_000  # size and digest, not the bytes
    assert oversize["value"].startswith("[withheld:")
    # The citizens consumer reads the same topic: it dead-letters what it cannot read too.
    assert "too_deep" in {letter["kind"] for letter in _letters(system.bus, "citizens")}


def test_a_bad_key_is_shown_escaped_in_its_dead_letter(system: System) -> None:
    bus = system.bus
    assert isinstance(bus, MemoryBus)
    bus.publish_raw(topics.EVENTS, b"\xff\xfe", b"{}")
    system.pump()
    [letter] = _letters(system.bus, "risk")
    assert letter["kind"] == "bad_key" and letter["key"] == "\\xff\\xfe"
    assert letter["reason"] == "key '\\\\xff\\\\xfe' is not UTF-8 text"


def test_a_registration_keyed_by_another_area_is_dead_lettered_naming_both(
    system: System,
) -> None:
    event = {
        "event_id": "0b8c0d55-6a53-4d36-9d3e-0d7f1f0f0a01", "type": "body.registered",
        "occurred_at": "2009-04-01T09:00:00+01:00", "source": "admin", "body": "E18000001",
        "payload": {"name": "Hampshire Police Authority", "kind": "police_authority",
                    "area": "E10000014", "population": 1_700_000},
    }  # fmt: skip
    system.bus.publisher().publish(topics.EVENTS, SANDWELL, event)
    system.pump()
    kinds = {(letter["kind"], letter["reason"]) for letter in _letters(system.bus, "risk")}
    assert kinds == {
        (
            "key_mismatch",
            "key 'E08000028' does not match area 'E10000014' of body.registered for body "
            "'E18000001'",
        )
    }


def test_an_event_for_a_body_not_registered_yet_goes_to_its_handler(system: System) -> None:
    unknown = indicator_event("E99999999", NEET, "2009-Q2", 4.0)
    system.bus.publisher().publish(topics.EVENTS, "E99999999", unknown)
    system.pump()
    assert _letters(system.bus, "risk") == []
    assert system.store.sismember("done:risk", unknown["event_id"])


# --- the loop's own judgement of failures, with a handler that fails on purpose -------------


class FailingHandler:
    """Fails on one event id `times` times (or for ever) with `error`, handles the rest."""

    def __init__(self, event_id: str, error: Exception, times: int | None = None) -> None:
        self.event_id, self.error, self.times = event_id, error, times
        self.failures = 0
        self.handled: list[str] = []

    def __call__(self, event: dict[str, Any]) -> None:
        if event["event_id"] == self.event_id and (
            self.times is None or self.failures < self.times
        ):
            self.failures += 1
            raise self.error
        self.handled.append(event["event_id"])


def _loop_over(
    events: list[dict[str, Any]], handler: FailingHandler
) -> tuple[MemoryBus, ConsumerLoop]:
    bus = MemoryBus()
    for event in events:
        bus.publish(topics.EVENTS, SANDWELL, event)
    loop = ConsumerLoop("risk", bus.subscribe("g", topics.EVENT_TOPICS), handler, bus, 0)
    return bus, loop


def _three() -> list[dict[str, Any]]:
    return [indicator_event(SANDWELL, NEET, f"2009-Q{q}", 4.0) for q in (1, 2, 3)]


def test_a_handler_failing_on_one_record_every_time_dead_letters_it_as_poison() -> None:
    events = _three()
    handler = FailingHandler(events[1]["event_id"], KeyError("theme"))
    bus, loop = _loop_over(events, handler)
    for _ in range(POISON_ATTEMPTS + 1):
        loop.run_once(0)
    assert handler.failures == POISON_ATTEMPTS
    assert handler.handled == [events[0]["event_id"], events[2]["event_id"]]
    [letter] = [json.loads(r.value) for r in bus.read_all(topics.DEAD_LETTERS)]
    assert letter["kind"] == "poison" and letter["offset"] == 1
    assert (
        letter["reason"]
        == f"the handler failed {POISON_ATTEMPTS} times in a row: KeyError: 'theme'"
    )
    assert bus.backlog("g", topics.EVENT_TOPICS) == 0


@pytest.mark.parametrize(
    "error",
    [
        redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379"),
        TimeoutError("could not take lock gk:E08000028 within 30s"),
        OSError("connection reset"),
    ],
    ids=["redis-away", "lock-timeout", "os-error"],
)
def test_a_server_away_is_retried_for_ever_and_never_skips_the_record(error: Exception) -> None:
    events = _three()
    attempts = POISON_ATTEMPTS * 3
    handler = FailingHandler(events[1]["event_id"], error, times=attempts)
    bus, loop = _loop_over(events, handler)
    for _ in range(attempts):
        loop.run_once(0)
        assert handler.handled == [events[0]["event_id"]]  # the later record waits its turn
        assert bus.backlog("g", topics.EVENT_TOPICS) == 2
    loop.run_once(0)
    assert handler.handled == [e["event_id"] for e in events]
    assert bus.read_all(topics.DEAD_LETTERS) == []


def test_a_data_error_raised_over_a_lost_connection_is_not_taken_for_poison() -> None:
    try:
        try:
            raise redis.exceptions.ConnectionError("Connection closed by server.")
        except redis.exceptions.ConnectionError:
            raise ValueError("I/O operation on closed file") from None  # context kept
    except ValueError as exc:
        error = exc
    events = _three()
    handler = FailingHandler(events[1]["event_id"], error, times=POISON_ATTEMPTS * 2)
    bus, loop = _loop_over(events, handler)
    for _ in range(POISON_ATTEMPTS * 2 + 1):
        loop.run_once(0)
    assert handler.handled == [e["event_id"] for e in events]
    assert bus.read_all(topics.DEAD_LETTERS) == []


def test_the_largest_dead_letter_fits_the_producers_limit() -> None:
    # Every byte of the copied value and reason escapes to six in JSON; the key is at its bound.
    worst = record_of(topics.EVENTS, 0, 10**12, b"\xff" * 10_000, b"\x01" * limits.MAX_EVENT_BYTES)
    letter = dead_letter("citizens", worst, Unusable("not_json", "\x01" * 10**6))
    assert letter["value_truncated"] is True
    assert len(encode(letter)) + len(letter["key"].encode()) < limits.MAX_MESSAGE_BYTES // 2


def test_a_record_with_no_value_is_dead_lettered_not_dropped() -> None:
    bus = MemoryBus()
    bus.publish_raw(topics.EVENTS, SANDWELL, b"")
    handler = FailingHandler("none", KeyError("x"))
    loop = ConsumerLoop("risk", bus.subscribe("g", topics.EVENT_TOPICS), handler, bus, 0)
    loop.run_once(0)
    [letter] = [json.loads(r.value) for r in bus.read_all(topics.DEAD_LETTERS)]
    assert letter["kind"] == "not_json" and bus.backlog("g", topics.EVENT_TOPICS) == 0


def test_records_read_from_any_bytes_never_raise() -> None:
    record = record_of("t", 0, 0, b"\x80abc", None)
    assert record == Record("t", 0, 0, "\\x80abc", b"", key_is_text=False)


class CommitFailing:
    """A memory subscription whose commits fail with `error` (as Kafka's do after a rebalance)."""

    def __init__(self, subscription: MemorySubscription, error: Exception) -> None:
        self._subscription, self.error = subscription, error

    def __getattr__(self, name: str) -> Any:
        return getattr(self._subscription, name)

    def commit(self, records: Any) -> None:
        raise self.error


def test_a_commit_refused_after_a_rebalance_is_logged_and_the_loop_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    events = _three()
    bus = MemoryBus()
    for event in events:
        bus.publish(topics.EVENTS, SANDWELL, event)
    handler = FailingHandler("none", KeyError("x"))
    subscription = CommitFailing(bus.subscribe("g", topics.EVENT_TOPICS), CommitLost("rebalanced"))
    loop = ConsumerLoop("risk", subscription, handler, bus, 0)
    assert loop.run_once(0) == 3
    assert "commit failed after a rebalance" in caplog.text
    assert loop.run_once(0) == 0  # the new owner redelivers: this member moves on


def test_any_other_commit_failure_delivers_the_poll_again() -> None:
    events = _three()
    bus = MemoryBus()
    for event in events:
        bus.publish(topics.EVENTS, SANDWELL, event)
    handler = FailingHandler("none", KeyError("x"))
    subscription = CommitFailing(bus.subscribe("g", topics.EVENT_TOPICS), OSError("away"))
    loop = ConsumerLoop("risk", subscription, handler, bus, 0)
    with pytest.raises(OSError, match="away"):
        loop.run_once(0)
    with pytest.raises(OSError, match="away"):
        loop.run_once(0)
    assert handler.handled == [e["event_id"] for e in events] * 2


def test_the_kafka_subscription_says_a_commit_refused_after_a_rebalance_in_the_ports_words() -> None:
    """kafka-python's CommitFailedError becomes CommitLost, which the loop passes over; any
    other error from the client is raised as it is (the client here is a stand-in: no broker
    is claimed, only the translation)."""
    from kafka.errors import CommitFailedError

    from riskgate.adapters.kafka_bus import KafkaSubscription

    class Client:
        def __init__(self, error: Exception) -> None:
            self.error = error

        def commit(self, offsets: Any) -> None:
            raise self.error

    record = record_of(topics.EVENTS, 0, 7, b"k", b"{}")
    subscription = object.__new__(KafkaSubscription)
    subscription._consumer = Client(CommitFailedError("rebalanced"))
    with pytest.raises(CommitLost):
        subscription.commit([record])
    subscription._consumer = Client(OSError("away"))
    with pytest.raises(OSError, match="away"):
        subscription.commit([record])
