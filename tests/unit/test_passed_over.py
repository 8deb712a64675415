"""A loop whose handler acts on a few event types (the citizens' desk) passes over, unread,
the records riskgate wrote itself whose type is another, reading the type from the record's
last bytes; a record from outside is read and checked in full whatever its type."""

from __future__ import annotations

import json
import random
import string
from typing import Any

import pytest

from riskgate import topics
from riskgate.adapters.bus import MemoryBus, encode
from riskgate.entrypoints.consumer import ConsumerLoop, type_at_end
from riskgate.sample import generate_year
from riskgate.service_layer.citizens import CitizensService


def _types_read_by_json(text: bytes) -> str | None:
    doc = json.loads(text)
    kind = doc.get("type") if isinstance(doc, dict) else None
    return kind if isinstance(kind, str) else None


def test_every_event_riskgate_encodes_shows_its_type_at_its_end(year: list[dict[str, Any]]) -> None:
    events = year
    kinds = {e["type"] for e in events}
    one_of_each = [next(e for e in events if e["type"] == kind) for kind in sorted(kinds)]
    assert len(one_of_each) > 10
    for event in one_of_each:
        assert type_at_end(encode(event)) == event["type"]


HOSTILE = [
    {"a": {"type": "nested"}},  # a nested object's type is not the event's
    {"type": "outer", "z": ',"type":"inner"}'},  # a string ending like a type member
    {"x": '{"type":"quoted"}'},
    {'a"type': "escaped-quote-key"},
    {"type": "UPPER.case"},
    {"type": "x" * 65},  # longer than any type
    {"type": 7},
    {"type": None},
    {"type": ["list"]},
    ["array", {"type": "in.array"}],
    {"type": "", "pad": "y"},
    {"k": ["type"], "type": "a.b"},
    {"pad": "p" * 1_000_000, "type": "after.a.megabyte"},
    {"type": "caf\u00e9"},
    {"type": "tab\there"},
]


@pytest.mark.parametrize("doc", HOSTILE, ids=range(len(HOSTILE)))
@pytest.mark.parametrize("separators", [(",", ":"), (", ", ": ")])
def test_the_type_read_from_the_end_is_the_one_json_reads_or_none(
    doc: Any, separators: tuple[str, str]
) -> None:
    for sort_keys in (True, False):
        for ensure_ascii in (True, False):
            text = json.dumps(
                doc, sort_keys=sort_keys, separators=separators, ensure_ascii=ensure_ascii
            ).encode()
            found = type_at_end(text)
            assert found is None or found == _types_read_by_json(text), text[-80:]


def test_of_duplicate_keys_the_last_is_the_one_json_keeps_and_the_one_read() -> None:
    text = b'{"type":"first.one","body":"E1","type":"last.one"}'
    assert _types_read_by_json(text) == "last.one"
    assert type_at_end(text) == "last.one"
    assert type_at_end(b'{"type":"first.one", "type":"spaced.out"}') is None


def test_random_documents_never_show_a_type_json_would_not_read() -> None:
    rng = random.Random(16)
    alphabet = string.ascii_lowercase + '."\\{}[],:_ ' + "type"

    def value(depth: int) -> Any:
        roll = rng.random()
        if depth > 3 or roll < 0.4:
            return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        if roll < 0.5:
            return rng.choice([1, 2.5, True, None])
        if roll < 0.7:
            return [value(depth + 1) for _ in range(rng.randint(0, 3))]
        return obj(depth + 1)

    def obj(depth: int) -> dict[str, Any]:
        keys = ["type", "body", "payload", "zeta", "typ", rng.choice(alphabet)]
        return {rng.choice(keys): value(depth) for _ in range(rng.randint(0, 5))}

    shown = 0
    for _ in range(5000):
        doc = obj(0)
        if rng.random() < 0.5:
            doc["type"] = "".join(rng.choice("abc._") for _ in range(rng.randint(1, 8)))
        text = json.dumps(doc, sort_keys=rng.random() < 0.5, separators=(",", ":")).encode()
        found = type_at_end(text)
        assert found is None or found == _types_read_by_json(text), text
        shown += found is not None
    assert shown > 500  # the property was tested on documents it does read, too


@pytest.fixture(scope="module")
def year() -> list[dict[str, Any]]:
    return generate_year(2009)


def _first(year: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    return next(e for e in year if e["type"] == kind)


def _loop(bus: MemoryBus, seen: list[str], trusted: bool) -> ConsumerLoop:
    return ConsumerLoop(
        "citizens",
        bus.subscribe("riskgate-citizens", topics.EVENT_TOPICS),
        lambda event: seen.append(event["type"]),
        bus.publisher(),
        retry_pause_s=0,
        trusted=trusted,
        acts_on=CitizensService.ACTS_ON,
    )


def _mixed(bus: MemoryBus, year: list[dict[str, Any]]) -> None:
    bus.publish(topics.EVENTS, "k", _first(year, "indicator.reported"))
    # Its envelope is broken (no body): read, it is dead-lettered.
    scored = _first(year, "use_of_resources.scored")
    bus.publish(topics.EVENTS, "k", {k: v for k, v in scored.items() if k != "body"})
    bus.publish(topics.EVENTS, "k", _first(year, "complaint.received"))


def test_riskgate_s_own_records_of_other_types_are_passed_over_unread_and_committed(
    year: list[dict[str, Any]],
) -> None:
    bus, seen = MemoryBus(), list[str]()
    _mixed(bus, year)
    assert _loop(bus, seen, trusted=True).run_once(timeout_s=0) == 3
    assert seen == ["complaint.received"]
    assert bus.backlog("riskgate-citizens", topics.EVENT_TOPICS) == 0
    assert bus.read_all(topics.DEAD_LETTERS) == []


def test_records_from_outside_are_read_in_full_whatever_their_type(
    year: list[dict[str, Any]],
) -> None:
    bus, seen = MemoryBus(), list[str]()
    _mixed(bus, year)
    assert _loop(bus, seen, trusted=False).run_once(timeout_s=0) == 3
    # Every readable event reaches the handler (the desk's own returns at once for others).
    assert seen == ["indicator.reported", "complaint.received"]
    assert bus.backlog("riskgate-citizens", topics.EVENT_TOPICS) == 0
    letters = [json.loads(r.value) for r in bus.read_all(topics.DEAD_LETTERS)]
    assert [(letter["kind"], letter["offset"]) for letter in letters] == [("invalid_event", 1)]
    assert "body" in letters[0]["reason"]
