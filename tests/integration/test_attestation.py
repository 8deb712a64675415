"""Riskgate's own records on a real Kafka-protocol broker (Tansu): what its publisher writes
carries an attestation its consumers recognise, and nothing else passes for it: not a copied
header on changed bytes, not a header made under another secret, not a record without one."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

import pytest
from kafka import KafkaProducer

from riskgate.adapters.attestation import HEADER, Attestation
from riskgate.adapters.bus import Record
from riskgate.adapters.kafka_bus import KafkaBus, KafkaSubscription
from riskgate.adapters.redis_store import RedisStore

pytestmark = pytest.mark.integration
TOPIC = "events.v1"


@pytest.fixture
def bus(kafka: str, redis_url: str) -> Iterator[KafkaBus]:
    bus = KafkaBus(
        kafka, partitions=1, attestation=Attestation.kept_in(RedisStore(redis_url), [TOPIC])
    )
    bus.ensure_topics([TOPIC])
    try:
        yield bus
    finally:
        bus.close()


def _all(subscription: KafkaSubscription, count: int, timeout_s: float = 60.0) -> list[Record]:
    records: list[Record] = []
    deadline = time.monotonic() + timeout_s
    while len(records) < count and time.monotonic() < deadline:
        records.extend(subscription.poll(0.5))
    return records


def test_what_riskgate_publishes_is_attested_and_nothing_else_passes_for_it(
    bus: KafkaBus, kafka: str, redis_url: str
) -> None:
    event = {"event_id": str(uuid.uuid4()), "type": "indicator.reported", "n": 1}
    publisher = bus.publisher()
    publisher.publish(TOPIC, "E08000028", event)
    publisher.flush()
    # The same header copied onto other bytes, onto another key, and one under another secret.
    ours = Attestation.kept_in(RedisStore(redis_url), [TOPIC])
    value = json.dumps(event, sort_keys=True, separators=(",", ":")).encode()
    tag = ours.tag(TOPIC, b"E08000028", value)
    assert tag is not None
    other = Attestation.with_secret(b"not the deployment's secret", [TOPIC]).tag(
        TOPIC, b"E08000028", value
    )
    producer = KafkaProducer(bootstrap_servers=kafka)
    sends = [
        (b"E08000028", value.replace(b'"n":1', b'"n":2'), [(HEADER, tag)]),
        (b"E08000019", value, [(HEADER, tag)]),
        (b"E08000028", value, [(HEADER, other)]),
        (b"E08000028", value, []),
        (b"E08000028", value, [(HEADER, b"short")]),
    ]
    for key, body, headers in sends:
        producer.send(TOPIC, key=key, value=body, headers=headers)
    producer.flush()
    producer.close()

    subscription = bus.subscribe(f"attest-{uuid.uuid4()}", [TOPIC])
    try:
        records = _all(subscription, 1 + len(sends))
    finally:
        subscription.close()
    assert [r.attested for r in records] == [True, False, False, False, False, False]
    assert records[0].value == value  # the attested record is riskgate's bytes, unchanged

    # A bus that holds no secret attests nothing, riskgate's own records included.
    plain = KafkaBus(kafka).subscribe(f"plain-{uuid.uuid4()}", [TOPIC])
    try:
        assert not any(r.attested for r in _all(plain, 1 + len(sends)))
    finally:
        plain.close()
