"""Every HTTP request gets an id (the caller's `X-Request-ID` if it is a sensible one, else a
new one), echoed in the answer's `X-Request-ID` and carried by every log line written while it
is served; and, once answered, one JSON log line and its count and latency in /metrics, by
route (the URL rule, so that `/v1/areas/E08000028/assessment` and every other area count as
one route), method and status."""

from __future__ import annotations

import logging
import re
import time
import uuid

from flask import Flask, Response, g, request

from riskgate import logs, metrics

log = logging.getLogger("riskgate.http")

# A caller's id is kept if it is short printable ASCII without spaces (a UUID, a trace id);
# anything else is replaced, never refused: the id is for finding log lines, not an input.
REQUEST_ID = re.compile(r"[A-Za-z0-9._:/+=-]{1,128}")
UNMATCHED = "unmatched"  # the route label of a path no rule matches (404), so labels stay few
LOGGED_PATH_CHARS = 512


def request_id_of(header: str | None) -> str:
    """The caller's request id if it is sensible, else a new one."""
    if header is not None and REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def begin() -> None:
    """before_request (the first): name the request and start its clock."""
    g.request_started = time.perf_counter()
    g.request_id = request_id_of(request.headers.get(logs.REQUEST_ID_HEADER))
    g.request_id_token = logs.set_request_id(g.request_id)


def answered(response: Response) -> Response:
    """after_request: echo the id, count the request, and log one line for it."""
    request_id = g.get("request_id") or request_id_of(None)
    response.headers[logs.REQUEST_ID_HEADER] = request_id
    started = g.get("request_started")
    seconds = time.perf_counter() - started if started is not None else 0.0
    rule = request.url_rule
    route = rule.rule if rule is not None else UNMATCHED
    labels = (route, request.method, str(response.status_code))
    metrics.HTTP_REQUESTS.labels(*labels).inc()
    metrics.HTTP_LATENCY.labels(*labels).observe(seconds)
    log.info(
        "%s %s %s",
        request.method,
        route,
        response.status_code,
        extra={
            "request_id": request_id,
            "method": request.method,
            "path": request.path[:LOGGED_PATH_CHARS],
            "route": route,
            "status": response.status_code,
            "duration_ms": round(seconds * 1000, 2),
            "remote_addr": request.remote_addr,
        },
    )
    return response


def finished(_error: BaseException | None) -> None:
    """teardown_request: lines logged after this belong to no request."""
    token = g.pop("request_id_token", None)
    if token is not None:
        logs.reset_request_id(token)


def install(app: Flask) -> None:
    """Register the hooks; call before any other before_request, so that a request refused
    early (401, 413, 429) has its id and its count too."""
    app.before_request(begin)
    app.after_request(answered)
    app.teardown_request(finished)
