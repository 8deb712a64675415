"""The message bus on Apache Kafka (or any Kafka-protocol broker), via kafka-python."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Iterable
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import CommitFailedError, TopicAlreadyExistsError
from kafka.structs import OffsetAndMetadata

from riskgate.adapters.attestation import Attestation
from riskgate.adapters.bus import CommitLost, Record, encode, record_of
from riskgate.limits import MAX_MESSAGE_BYTES

log = logging.getLogger(__name__)

# Quick group joins and failure detection; see DESIGN.md "Test infrastructure".
CONSUMER_TIMINGS = {
    "session_timeout_ms": 6000,
    "heartbeat_interval_ms": 500,
    "max_poll_interval_ms": 30000,
}

# /metrics must answer while a broker is away: the lag reader gives up after a few seconds.
LAG_READER_TIMINGS = {
    "request_timeout_ms": 5000,
    "session_timeout_ms": 4000,
    "heartbeat_interval_ms": 1000,
}


class KafkaBus:
    """Producer, consumers and topic administration against one Kafka cluster."""

    def __init__(
        self,
        bootstrap_servers: str,
        partitions: int = 6,
        replication: int = 1,
        attestation: Attestation | None = None,
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        # Signs what this bus publishes and recognises it when read back; None: neither.
        self.attestation = attestation
        self.partitions = partitions
        self.replication = replication
        self._producer: KafkaPublisher | None = None
        # for lag: a consumer in no group, never subscribed, reads the topics' partitions and
        # offsets; an admin client reads a group's committed offsets, all in one request
        self._offsets: KafkaConsumer | None = None
        self._groups: KafkaAdminClient | None = None
        self._lag_lock = threading.Lock()

    def publisher(self) -> KafkaPublisher:
        if self._producer is None:
            self._producer = KafkaPublisher(self.bootstrap_servers, self.attestation)
        return self._producer

    def ensure_topics(self, topics: Iterable[str]) -> None:
        admin = KafkaAdminClient(
            bootstrap_servers=self.bootstrap_servers, client_id="riskgate-admin"
        )
        try:
            existing = set(admin.list_topics())
            wanted = [
                NewTopic(t, self.partitions, self.replication) for t in topics if t not in existing
            ]
            for topic in wanted:
                with contextlib.suppress(TopicAlreadyExistsError):  # another service was first
                    admin.create_topics([topic])
        finally:
            admin.close()

    def subscribe(self, group: str, topics: Iterable[str]) -> KafkaSubscription:
        return KafkaSubscription(self.bootstrap_servers, group, tuple(topics), self.attestation)

    def read_all(self, topic: str) -> list[Record]:
        consumer = KafkaConsumer(
            bootstrap_servers=self.bootstrap_servers, enable_auto_commit=False, group_id=None
        )
        try:
            partitions = [
                TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()
            ]
            if not partitions:  # no such topic: seek_to_beginning() would raise on nothing
                return []
            consumer.assign(partitions)
            consumer.seek_to_beginning(*partitions)
            ends = consumer.end_offsets(partitions)
            out: list[Record] = []
            while any(consumer.position(tp) < ends[tp] for tp in partitions):
                for msgs in consumer.poll(timeout_ms=500).values():
                    out.extend(_record(m) for m in msgs)
            return out
        finally:
            consumer.close()

    def reachable(self, timeout_s: float = 1.0) -> bool:
        """True if a bootstrap server accepts a connection within `timeout_s` (for /readyz,
        which must answer quickly whether or not the broker does)."""
        for server in self.bootstrap_servers.split(","):
            host, _, port = server.strip().rpartition(":")
            try:
                socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s).close()
                return True
            except (OSError, ValueError):
                continue
        return False

    def lag(self, group: str, topics: Iterable[str]) -> dict[tuple[str, int], int]:
        """Records not yet committed by the group, per (topic, partition), from the broker: the
        same answer from every process of the group. A partition the group never committed
        counts from its beginning (the group starts at the earliest offset). Three requests
        whatever the partitions: the ends, the beginnings, and the group's committed offsets
        (asked partition by partition, the work group's 36 had taken 36 round trips)."""
        with self._lag_lock:
            if self._offsets is None:
                self._offsets = KafkaConsumer(
                    bootstrap_servers=self.bootstrap_servers,
                    enable_auto_commit=False,
                    client_id="riskgate-lag",
                    **LAG_READER_TIMINGS,
                )
            if self._groups is None:
                self._groups = KafkaAdminClient(
                    bootstrap_servers=self.bootstrap_servers,
                    client_id="riskgate-lag",
                    request_timeout_ms=LAG_READER_TIMINGS["request_timeout_ms"],
                )
            partitions = [
                TopicPartition(topic, p)
                for topic in topics
                for p in sorted(self._offsets.partitions_for_topic(topic) or ())
            ]
            if not partitions:
                return {}
            ends = self._offsets.end_offsets(partitions)
            starts = self._offsets.beginning_offsets(partitions)
            committed = self._groups.list_group_offsets({group: partitions}).get(group, {})
            out = {}
            for tp in partitions:
                at = committed.get(tp)
                position = starts[tp] if at is None or at.offset < 0 else at.offset
                out[(tp.topic, tp.partition)] = max(0, ends[tp] - position)
            return out

    def close(self) -> None:
        if self._producer is not None:
            self._producer.close()
        with self._lag_lock:
            if self._offsets is not None:
                self._offsets.close(autocommit=False)
                self._offsets = None
            if self._groups is not None:
                self._groups.close()
                self._groups = None


def _record(m: Any, attestation: Attestation | None = None) -> Record:
    # Whatever the key's bytes, reading them never fails: the consumer judges them.
    attested = attestation is not None and attestation.attested(
        m.topic, m.key, m.value or b"", m.headers
    )
    return record_of(m.topic, m.partition, m.offset, m.key, m.value, attested)


class KafkaPublisher:
    """An idempotence-minded producer: all replicas acknowledge, flush before commit."""

    def __init__(self, bootstrap_servers: str, attestation: Attestation | None = None) -> None:
        self._attestation = attestation
        self._producer = KafkaProducer(
            bootstrap_servers=bootstrap_servers,
            acks="all",
            retries=10,
            linger_ms=5,
            max_in_flight_requests_per_connection=1,  # keeps per-key order across retries
            # Room for the largest message riskgate writes (a dead letter at its bounds);
            # the client's default (1 MiB) once rejected dead letters and so lost records.
            max_request_size=MAX_MESSAGE_BYTES,
        )

    def publish(self, topic: str, key: str, value: dict) -> None:
        self.publish_raw(topic, key, encode(value))

    def publish_raw(self, topic: str, key: str | None, value: bytes) -> None:
        raw_key = key.encode() if key is not None else None
        headers = self._attestation.headers(topic, raw_key, value) if self._attestation else None
        self._producer.send(topic, key=raw_key, value=value, headers=headers)

    def flush(self) -> None:
        self._producer.flush()

    def close(self) -> None:
        self._producer.close()


class KafkaSubscription:
    """A consumer group member that commits only what it is told to."""

    def __init__(
        self,
        bootstrap_servers: str,
        group: str,
        topics: tuple[str, ...],
        attestation: Attestation | None = None,
    ) -> None:
        self._attestation = attestation
        self._consumer = KafkaConsumer(
            *topics,
            bootstrap_servers=bootstrap_servers,
            group_id=group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            **CONSUMER_TIMINGS,
        )

    def poll(self, timeout_s: float, max_records: int = 500) -> list[Record]:
        batches = self._consumer.poll(timeout_ms=int(timeout_s * 1000), max_records=max_records)
        return [_record(m, self._attestation) for msgs in batches.values() for m in msgs]

    def commit(self, records: Iterable[Record]) -> None:
        offsets: dict[TopicPartition, OffsetAndMetadata] = {}
        for r in records:
            tp = TopicPartition(r.topic, r.partition)
            if tp not in offsets or offsets[tp].offset <= r.offset:
                offsets[tp] = OffsetAndMetadata(r.offset + 1, "", -1)
        if offsets:
            try:
                self._consumer.commit(offsets)
            except CommitFailedError as exc:  # the group rebalanced: the port's own error
                raise CommitLost(str(exc)) from exc

    def rewind(self, record: Record) -> None:
        self._consumer.seek(TopicPartition(record.topic, record.partition), record.offset)

    def close(self) -> None:
        self._consumer.close(autocommit=False)
