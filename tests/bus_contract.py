"""The delivery rules every bus adapter keeps: one set of tests, collected once per adapter.

`tests/unit/test_store_contract.py` runs them on the memory and SQLite buses and
`tests/integration/test_bus_contract.py` on `KafkaBus` against a real Tansu broker:
each of those modules imports the tests below and gives them its own `bus` fixture.
A Kafka consumer group takes seconds to join, so a test waits for records to arrive
rather than expecting them from the first poll; "nothing more arrives" is only ever
checked on a member already seen to receive.
"""

from __future__ import annotations

import json
import time
from typing import Any

from riskgate.adapters.bus import Record

TOPIC = "events.v1"
KEY = "E08000028"
ARRIVAL_S = 30.0  # long enough for a Kafka group join; the embedded buses answer at once
QUIET_S = 1.0  # how long a member is watched to see that nothing more arrives


def published(bus: Any, *names: str) -> None:
    """Publish one event per name, all with the same key, and flush."""
    publisher = bus.publisher()
    for name in names:
        publisher.publish(TOPIC, KEY, {"event_id": name})
    publisher.flush()


def ids(records: list[Record]) -> list[str]:
    """The event ids of the records, in order."""
    return [json.loads(r.value)["event_id"] for r in records]


def batches(sub: Any, count: int, max_records: int = 500) -> list[list[Record]]:
    """The non-empty polls that together bring `count` records (or all that came in time)."""
    out: list[list[Record]] = []
    deadline = time.monotonic() + ARRIVAL_S
    while sum(map(len, out)) < count and time.monotonic() < deadline:
        batch = sub.poll(0.5, max_records=max_records)
        if batch:
            out.append(batch)
        else:
            time.sleep(0.01)  # the memory bus answers at once; do not spin
    return out


def received(sub: Any, count: int) -> list[Record]:
    """Poll until `count` records arrived (or ARRIVAL_S passed); every record that came."""
    return [r for batch in batches(sub, count) for r in batch]


def nothing_more(sub: Any) -> list[Record]:
    """Whatever a member that already receives is given over QUIET_S."""
    out: list[Record] = []
    deadline = time.monotonic() + QUIET_S
    while time.monotonic() < deadline:
        out.extend(sub.poll(0.2))
        time.sleep(0.01)
    return out


def test_a_group_resumes_after_its_last_commit(bus: Any) -> None:
    published(bus, "a", "b", "c")
    first = bus.subscribe("risk", [TOPIC])
    records = received(first, 3)
    first.commit(records[:2])
    first.close()

    assert ids(received(bus.subscribe("risk", [TOPIC]), 1)) == ["c"]


def test_a_poll_does_not_deliver_the_same_records_twice_to_one_member(bus: Any) -> None:
    published(bus, "a", "b")
    sub = bus.subscribe("risk", [TOPIC])

    assert ids(received(sub, 2)) == ["a", "b"]
    assert nothing_more(sub) == []
    published(bus, "c")
    assert ids(received(sub, 1)) == ["c"]


def test_uncommitted_records_are_redelivered_to_a_new_member_of_the_group(bus: Any) -> None:
    published(bus, "a", "b")
    crashed = bus.subscribe("risk", [TOPIC])
    assert ids(received(crashed, 2)) == ["a", "b"]  # handled, never committed
    crashed.close()  # the member is gone, as when its process dies

    assert ids(received(bus.subscribe("risk", [TOPIC]), 2)) == ["a", "b"]


def test_rewind_redelivers_from_that_record_on(bus: Any) -> None:
    published(bus, "a", "b", "c")
    sub = bus.subscribe("risk", [TOPIC])
    records = received(sub, 3)

    sub.rewind(records[1])

    assert ids(received(sub, 2)) == ["b", "c"]


def test_max_records_limits_a_poll_and_the_rest_follow(bus: Any) -> None:
    published(bus, "a", "b", "c")
    sub = bus.subscribe("risk", [TOPIC])

    assert [ids(batch) for batch in batches(sub, 3, max_records=2)] == [["a", "b"], ["c"]]


def test_two_groups_read_independently(bus: Any) -> None:
    published(bus, "a", "b")
    risk = bus.subscribe("risk", [TOPIC])
    risk.commit(received(risk, 2))
    risk.close()

    assert ids(received(bus.subscribe("audit", [TOPIC]), 2)) == ["a", "b"]
    again = bus.subscribe("risk", [TOPIC])
    published(bus, "c")
    assert ids(received(again, 1)) == ["c"]  # from its commit on, not from the start


def test_read_all_returns_the_whole_topic_with_keys_and_offsets(bus: Any) -> None:
    published(bus, "a", "b")
    sub = bus.subscribe("risk", [TOPIC])
    sub.commit(received(sub, 2))

    records = bus.read_all(TOPIC)

    assert ids(records) == ["a", "b"]
    assert [(r.key, r.offset) for r in records] == [(KEY, 0), (KEY, 1)]
    assert bus.read_all("never.published") == []
