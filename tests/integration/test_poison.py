"""No silent loss on real Kafka (Tansu) and real Redis: one batch with every poison kind and
valid followers, produced straight to the events topic in one flush. The risk service (a real
`riskgate run risk` process) handles every follower and dead-letters every poison with its
reason; the oversize one with its size and digest, not its bytes."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient

from riskgate import limits
from tests.integration.cluster import running, wait_for
from tests.poison import OVERSIZE_BYTES, batch, red_flag_evidence

pytestmark = pytest.mark.integration
EVENTS_0 = TopicPartition("events.v1", 0)

# Tansu reports a partition's end offset short when a producer sent several records in one
# batch (12 for these 21 records), so the shared helpers that compare against end offsets
# (`group_caught_up`, `drained`, `read_topic`) can answer early here. This test compares
# with the offsets the broker acknowledged instead, and reads topics until they go quiet.


def _committed(kafka: str, group: str) -> int:
    admin = KafkaAdminClient(bootstrap_servers=kafka)
    try:
        offsets = admin.list_group_offsets({group: [EVENTS_0]}).get(group, {})
    finally:
        admin.close()
    found = offsets.get(EVENTS_0)
    return found.offset if found is not None and found.offset is not None else -1


def _everything_on(kafka: str, topic: str) -> list[dict[str, Any]]:
    consumer = KafkaConsumer(bootstrap_servers=kafka, enable_auto_commit=False, group_id=None)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        out: list[dict[str, Any]] = []
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < 2.0:
            batches = consumer.poll(timeout_ms=500)
            if batches:
                quiet_since = time.monotonic()
            out.extend(json.loads(m.value) for msgs in batches.values() for m in msgs)
        return out
    finally:
        consumer.close()


def test_every_poison_is_dead_lettered_and_every_follower_in_the_same_batch_is_handled(
    kafka: str, redis_url: str, tmp_path: Path
) -> None:
    poisons, followers, records = batch()
    with running(("risk",), kafka, redis_url, tmp_path):
        # The client's own default (1 MiB) refuses the oversize record before Tansu sees it;
        # Tansu itself takes it with no topic setting.
        producer = KafkaProducer(
            bootstrap_servers=kafka, acks="all", max_request_size=2 * OVERSIZE_BYTES
        )
        try:
            sent = [producer.send("events.v1", key=k, value=v, partition=0) for k, v in records]
            producer.flush()
            end = max(future.get(timeout=10).offset for future in sent) + 1
        finally:
            producer.close()
        assert end == len(records)

        wait_for(
            lambda: _committed(kafka, "riskgate-risk") == end,
            timeout_s=120,
            what="the risk consumer to commit past every record",
        )
        judgements = _everything_on(kafka, "risk.judgements.v1")
        letters = sorted(_everything_on(kafka, "deadletter.v1"), key=lambda x: x["offset"])

    assert red_flag_evidence(judgements) == {event["event_id"] for event in followers}
    assert [letter["kind"] for letter in letters] == [poison.kind for poison in poisons]
    for poison, letter in zip(poisons, letters, strict=True):
        assert letter["consumer"] == "risk" and letter["topic"] == "events.v1"
        assert poison.reason_says in letter["reason"], letter["reason"]
        assert letter["value_bytes"] == len(poison.value)
        assert letter["value_digest"] == limits.digest(poison.value)
    oversize = next(letter for letter in letters if letter["kind"] == "oversize")
    assert oversize["value"].startswith("[withheld:")
    assert len(json.dumps(oversize)) < 2_000  # its size and digest, not its bytes
    [bad_key] = [letter for letter in letters if letter["kind"] == "bad_key"]
    assert bad_key["key"] == "\\xff\\xfe"
