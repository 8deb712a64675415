"""Operator metrics, exposed at /metrics in the Prometheus text format."""

from __future__ import annotations

from prometheus_client import Counter

EVENTS_ACCEPTED = Counter("riskgate_events_accepted", "Events accepted by ingest", ["type"])
EVENTS_REJECTED = Counter("riskgate_events_rejected", "Event batches rejected by ingest")
MESSAGES_HANDLED = Counter("riskgate_messages_handled", "Messages a consumer applied", ["consumer"])
DEAD_LETTERS = Counter(
    "riskgate_dead_letters", "Messages sent to the dead-letter topic", ["consumer"]
)
RETRIES = Counter(
    "riskgate_consumer_retries", "Handler failures that will be retried", ["consumer"]
)
