"""Operators: is the process up, can it work, and its Prometheus metrics."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from flask import Response
from marshmallow import fields
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily, Metric

from riskgate import metrics
from riskgate.bootstrap import SUBSCRIPTIONS, System
from riskgate.entrypoints.consumer_processes import RETRYING, consumer_states
from riskgate.entrypoints.http.answers import Answer
from riskgate.entrypoints.http.auth import system
from riskgate.entrypoints.http.bounds import BoundedBlueprint

log = logging.getLogger(__name__)

ops = BoundedBlueprint("ops", __name__, description="Health and metrics for operators")


class HealthAnswer(Answer):
    status = fields.String(required=True, metadata={"description": "Always ok."})


class SampleLoadAnswer(Answer):
    state = fields.String(
        required=True,
        metadata={"description": "idle (nothing to load in this process), loading or loaded"},
    )
    loaded = fields.Integer(required=True, metadata={"description": "events loaded so far"})
    total = fields.Integer(
        required=True, metadata={"description": "events in the sample year (0 until known)"}
    )


class ReadinessAnswer(Answer):
    status = fields.String(required=True, metadata={"description": "ready or not ready"})
    problems = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={
            "description": 'What is not ready, e.g. {"store": "unreachable", '
            '"consumer risk": "retrying"} (or "not running": its process is starting, or '
            'starting again); the errors themselves are in the log.'
        },
    )
    ruleset_version = fields.String(required=True)
    embedded = fields.Boolean(required=True)
    sample_year = fields.Nested(
        SampleLoadAnswer,
        required=True,
        metadata={"description": "How far the bundled sample year's load has got."},
    )


@ops.route("/healthz")
@ops.response(200, HealthAnswer)
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@ops.route("/readyz")
@ops.response(200, ReadinessAnswer)
@ops.alt_response(503, schema=ReadinessAnswer, description="Not ready: `problems` says why")
def readyz() -> tuple[dict[str, Any], int]:
    """The sample year is loaded (embedded), the process reaches its store (and, distributed,
    its Kafka brokers) and its consumers are not stuck."""
    sys = system()
    # what is not ready, in words: the errors themselves (with addresses) go to the log
    problems = {
        f"consumer {name}": "retrying" for name, loop in sys.loops.items() if loop.last_error
    }
    for name, state in consumer_states(sys.consumed_apart).items():
        if state is None:
            problems[f"consumer {name}"] = "not running"
        elif state == RETRYING:
            problems[f"consumer {name}"] = "retrying"
    progress = sys.loading.now()
    if progress.state == "loading":
        problems["sample year"] = progress.words()
    if not sys.store.ping():
        problems["store"] = "unreachable"
    if not sys.bus.reachable():
        problems["kafka"] = "unreachable"
    body = {
        "status": "ready" if not problems else "not ready",
        "problems": problems,
        "ruleset_version": sys.rules.current().version,
        "embedded": sys.settings.embedded,
        "sample_year": {"state": progress.state, "loaded": progress.done, "total": progress.total},
    }
    return body, 200 if not problems else 503


@ops.route("/metrics")
@ops.response(
    200,
    {"type": "string"},
    content_type=CONTENT_TYPE_LATEST.split(";")[0],
    description="Prometheus text format",
)
def metrics_text() -> Response:
    """Prometheus metrics: HTTP requests and latency by route and status, decisions by outcome,
    and the consumers' counts, summed over every worker; and, read as asked, consumer lag per
    topic and partition, the ruleset and policy versions and the sample year's load."""
    live = CollectorRegistry(auto_describe=False)
    live.register(LiveState(system()))
    text = generate_latest(metrics.shared_registry()) + generate_latest(live)
    return Response(text, mimetype=CONTENT_TYPE_LATEST)


class LiveState:
    """What /metrics reads from the system when asked rather than counts: the same answer from
    every worker, so it needs no sharing between them."""

    def __init__(self, system_: System) -> None:
        self._system = system_

    def describe(self) -> list[Metric]:
        return []  # nothing to check at registration: collect() asks the bus

    def collect(self) -> Iterator[Metric]:
        sys = self._system
        yield InfoMetricFamily(
            "riskgate_ruleset",
            "The rules and gatekeeper policies in force (content hashes)",
            value={
                "version": sys.rules.current().version,
                "policy_version": sys.gatekeeper.policies.version,
            },
        )
        progress = sys.loading.now()
        yield GaugeMetricFamily(
            "riskgate_sample_loading",
            "1 while the sample year loads (/readyz answers 503 meanwhile)",
            value=int(progress.state == "loading"),
        )
        yield GaugeMetricFamily(
            "riskgate_sample_events_loaded", "Sample-year events loaded so far", value=progress.done
        )
        yield GaugeMetricFamily(
            "riskgate_sample_events",
            "Sample-year events to load (0 until known)",
            value=progress.total,
        )
        yield self._lag()

    def _lag(self) -> GaugeMetricFamily:
        sys = self._system
        family = GaugeMetricFamily(
            "riskgate_consumer_lag",
            "Records on a topic partition that the consumer group has not committed yet",
            labels=["group", "topic", "partition"],
        )
        if not sys.bus.reachable():  # asking a broker that is away would hold /metrics
            return family
        for service in sorted({*sys.loops, *sys.consumed_apart}):
            group = f"{sys.settings.consumer_group_prefix}-{service}"
            try:
                lag = sys.bus.lag(group, SUBSCRIPTIONS[service])
            except Exception as exc:  # a broker away: the rest of /metrics still answers
                log.warning("consumer lag of %s unavailable: %s", group, exc)
                continue
            for (topic, partition), records in sorted(lag.items()):
                family.add_metric([group, topic, str(partition)], records)
        return family
