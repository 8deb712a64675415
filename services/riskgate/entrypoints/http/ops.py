"""Operators: is the process up, can it work, and its Prometheus metrics."""

from __future__ import annotations

from typing import Any

from flask import Response
from marshmallow import fields
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from riskgate.entrypoints.http.answers import Answer
from riskgate.entrypoints.http.auth import system
from riskgate.entrypoints.http.bounds import BoundedBlueprint

ops = BoundedBlueprint("ops", __name__, description="Health and metrics for operators")


class HealthAnswer(Answer):
    status = fields.String(required=True, metadata={"description": "Always ok."})


class ReadinessAnswer(Answer):
    status = fields.String(required=True, metadata={"description": "ready or not ready"})
    problems = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={
            "description": 'What is not ready, e.g. {"store": "unreachable", '
            '"consumer risk": "retrying"}; the errors themselves are in the log.'
        },
    )
    ruleset_version = fields.String(required=True)
    embedded = fields.Boolean(required=True)


@ops.route("/healthz")
@ops.response(200, HealthAnswer)
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@ops.route("/readyz")
@ops.response(200, ReadinessAnswer)
@ops.alt_response(503, schema=ReadinessAnswer, description="Not ready: `problems` says why")
def readyz() -> tuple[dict[str, Any], int]:
    """The process can reach its store and its consumers are not stuck."""
    sys = system()
    # what is not ready, in words: the errors themselves (with addresses) go to the log
    problems = {
        f"consumer {name}": "retrying" for name, loop in sys.loops.items() if loop.last_error
    }
    if not sys.store.ping():
        problems["store"] = "unreachable"
    body = {
        "status": "ready" if not problems else "not ready",
        "problems": problems,
        "ruleset_version": sys.rules.current().version,
        "embedded": sys.settings.embedded,
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
    """Prometheus metrics."""
    return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)
