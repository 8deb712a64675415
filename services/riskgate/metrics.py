"""Operator metrics, exposed at /metrics in the Prometheus text format.

Counters and histograms live here. Under gunicorn they are kept in prometheus-client's
multiprocess mode (`PROMETHEUS_MULTIPROC_DIR`, which `riskgate run` sets up, see
`shared_metrics.py`), so that /metrics answers for every worker, whichever serves it. What is
a state rather than a count (consumer lag, the ruleset version, the sample load) is read when
/metrics is asked (`entrypoints/http/ops.py`), not stored here; except the state of consumers
that run in processes of their own, which only those processes know.
"""

from __future__ import annotations

import os

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    multiprocess,
)

EVENTS_ACCEPTED = Counter("riskgate_events_accepted", "Events accepted by ingest", ["type"])
EVENTS_REJECTED = Counter("riskgate_events_rejected", "Event batches rejected by ingest")
MESSAGES_HANDLED = Counter("riskgate_messages_handled", "Messages a consumer applied", ["consumer"])
DEAD_LETTERS = Counter(
    "riskgate_dead_letters", "Messages sent to the dead-letter topic", ["consumer"]
)
RETRIES = Counter(
    "riskgate_consumer_retries", "Handler failures that will be retried", ["consumer"]
)
HTTP_REQUESTS = Counter(
    "riskgate_http_requests",
    "HTTP requests answered, by route (the URL rule, not the path), method and status",
    ["route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "riskgate_http_request_duration_seconds",
    "Seconds from a request's arrival to its answer, by route, method and status",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
DECISIONS = Counter(
    "riskgate_gatekeeper_decisions", "Gatekeeper decisions made by policy, by outcome", ["outcome"]
)
OVERRIDES = Counter(
    "riskgate_gatekeeper_overrides",
    "Decisions overridden by staff, by the new outcome",
    ["outcome"],
)
# Kept by each `riskgate consume` process (entrypoints/consumer_processes.py); "livemax" so
# that a dead process's value leaves with it when the gunicorn master marks it dead.
CONSUMER_STATE_NAME = "riskgate_consumer_state"
CONSUMER_STATE = Gauge(
    CONSUMER_STATE_NAME,
    "A consumer run apart from the HTTP workers: 0 polling, 1 retrying a failure; absent when "
    "its process is not running",
    ["consumer"],
    multiprocess_mode="livemax",
)

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"  # prometheus-client's own variable


def shared_registry() -> CollectorRegistry:
    """The counts of every process sharing the multiprocess directory (every gunicorn worker),
    or this process's own when there is none (tests, `create_app` without gunicorn)."""
    if not os.environ.get(MULTIPROCESS_DIR):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry
