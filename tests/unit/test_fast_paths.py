"""The fast paths of issue 16 keep behaviour: what each one must leave unchanged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from riskgate import topics
from riskgate.adapters.bus import MemoryBus
from riskgate.bootstrap import bootstrap
from riskgate.config import Settings
from tests.conftest import ROOT
from tests.integration.cluster import indicator_event


def test_kafka_python_computes_record_crcs_with_the_c_extension() -> None:
    # kafka-python falls back to a pure-Python CRC-32C when the `crc32c` package is missing.
    from kafka.record import util

    assert util.crc32c_c is not None
    assert util.calc_crc32c(b"123456789") == 0xE3069283  # the CRC-32C check value


# --- validate once ----------------------------------------------------------------------


def test_a_validated_event_validates_to_itself_so_its_readers_may_trust_it() -> None:
    # What ingest publishes is validate_event's output; a reader that re-validated it would
    # get the same event back, so checking the envelope alone loses nothing.
    from riskgate.sample import generate_year
    from riskgate.schemas import validate_event

    events = generate_year(2009)
    by_type: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_type.setdefault(event["type"], []).append(event)
    for kind, some in sorted(by_type.items()):
        for event in some[:200]:
            clean, errors = validate_event(event)
            assert errors == {}, (kind, errors)
            assert clean is not None
            again, _ = validate_event(clean)
            assert again == clean, kind


def test_a_trusted_reader_dead_letters_a_damaged_envelope_naming_the_field(
    tmp_path: Path,
) -> None:
    system = bootstrap(Settings(rules_dir=ROOT / "rules", home=tmp_path))
    bus = system.bus
    assert isinstance(bus, MemoryBus)
    good = indicator_event("E06000001", "NI 117", "2009-Q2", 12.0)
    damaged = {k: v for k, v in good.items() if k != "event_id"}
    not_a_type = {**good, "type": "no.such.type"}
    for value in (damaged, not_a_type, [1, 2]):
        bus.publish_raw(topics.EVENTS, b"E06000001", json.dumps(value).encode())
    bus.publish_raw(topics.EVENTS, b"E06000001", json.dumps(good).encode())
    system.pump(("risk",))

    letters = [json.loads(r.value) for r in bus.read_all(topics.DEAD_LETTERS)]
    assert [letter["kind"] for letter in letters] == ["invalid_event"] * 3
    assert '"event_id"' in letters[0]["reason"]
    assert "no.such.type" in letters[1]["reason"]
    assert "JSON object" in letters[2]["reason"]
    assert system.risk._processed.seen(good["event_id"])  # the good one after them is handled


def test_the_generated_sample_is_checked_for_its_envelope_size_and_bodies_not_waved_through(
    tmp_path: Path,
) -> None:
    """`load_sample` submits the bundled year with `generated=True`: its payloads are held
    valid by tests/unit/test_sample.py, but everything else is still checked, each error
    naming the field; and any other submission is validated in full."""
    system = bootstrap(Settings(rules_dir=ROOT / "rules", home=tmp_path))
    good = indicator_event("E06000001", "NI 117", "2009-Q2", 12.0)
    no_id = {k: v for k, v in good.items() if k != "event_id"}
    unknown_body = {**indicator_event("E99999999", "NI 117", "2009-Q2", 12.0)}
    oversize = {**good, "payload": {**good["payload"], "unit": "x" * 2_000_000}}
    result = system.ingest.submit([no_id, unknown_body, oversize], generated=True)
    assert set(result.errors) == {0, 1, 2}
    assert "event_id" in result.errors[0]
    assert "unknown body E99999999" in result.errors[1]["body"][0]
    assert result.accepted == []

    bad_payload = {**good, "payload": {**good["payload"], "value": "not a number"}}
    assert "payload" in system.ingest.submit([bad_payload]).errors[0]
    assert system.ingest.submit([good], generated=True).accepted == [good["event_id"]]
