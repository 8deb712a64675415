"""Authentication first, throttled, with security headers, and a readiness probe that says what
is not ready without exception text. Through HTTP (Flask's test client) on the embedded
adapters; the store-unreachable case uses a real Redis client pointed at a closed port."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from riskgate import topics
from riskgate.adapters.redis_store import RedisStore
from riskgate.bootstrap import System, bootstrap
from riskgate.config import ConfigError, Settings
from riskgate.entrypoints.http import create_app
from riskgate.entrypoints.http.throttle import FailedAuthentications
from tests.conftest import RULES_DIR, free_port
from tests.integration.cluster import indicator_event

MISSING = "missing bearer token: send `Authorization: Bearer <token>`"
INVALID_BODY = {"nonsense": "x" * 50, "finding": "not a number", "start": "soon"}
SECURITY = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}


def _app(system: System) -> Flask:
    app = create_app(system)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def app(system: System) -> Flask:
    return _app(system)


def _write_routes(app: Flask) -> list[str]:
    """Every POST route of the API, with its path arguments filled in (the console's forms
    answer with pages: tests/unit/test_pages.py)."""
    paths = []
    for rule in app.url_map.iter_rules():
        if "POST" in (rule.methods or ()) and rule.rule.startswith("/v1/"):
            built = rule.build({arg: "x1" for arg in rule.arguments})
            assert built is not None
            paths.append(built[1])
    return sorted(paths)


def _bearer(system: System, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {system.tokens.create(role)}"}


def _as(address: str) -> dict[str, Any]:
    return {"environ_base": {"REMOTE_ADDR": address}}


def test_every_write_route_answers_an_unauthenticated_invalid_body_with_401_not_400(
    app: Flask, system: System
) -> None:
    client = app.test_client()
    routes = _write_routes(app)
    council = _bearer(system, "council:E08000028")  # a valid token no other write route accepts
    integrator = _bearer(system, "integrator")  # one that may not challenge a flag

    anonymous = {r: client.post(r, json=INVALID_BODY) for r in routes}
    wrong_role = {
        r: client.post(
            r, json=INVALID_BODY, headers=integrator if r.endswith("/challenges") else council
        )
        for r in routes
    }

    assert len(routes) >= 8, routes  # events, proposals, override, reroute, the four commands
    assert {r: a.status_code for r, a in anonymous.items()} == {r: 401 for r in routes}
    assert all(a.get_json()["errors"] == {"Authorization": [MISSING]} for a in anonymous.values())
    assert {r: a.status_code for r, a in wrong_role.items()} == {r: 403 for r in routes}
    assert system.bus.read_all(topics.EVENTS) == []


def test_a_2_mb_body_without_a_token_is_refused_unread_on_every_write_route(
    app: Flask, system: System
) -> None:
    client = app.test_client()
    # parsed, this would be a 400 naming `body` (nested too deep)
    body = ("[" * 1_000_000 + "]" * 1_000_000).encode()

    answers = {
        r: client.post(r, data=body, content_type="application/json") for r in _write_routes(app)
    }

    assert {r: a.status_code for r, a in answers.items()} == {r: 401 for r in answers}
    assert all(a.headers["WWW-Authenticate"] == "Bearer" for a in answers.values())
    assert system.bus.read_all(topics.EVENTS) == []


def test_the_same_2_mb_body_with_the_right_token_is_413_naming_the_limit(
    app: Flask, system: System
) -> None:
    body = ("[" * 1_000_000 + "]" * 1_000_000).encode()
    answer = app.test_client().post(
        "/v1/decisions/d-1/override",
        data=body,
        content_type="application/json",
        headers=_bearer(system, "gatekeeper"),
    )

    assert answer.status_code == 413
    assert "RISKGATE_MAX_BODY_BYTES" in answer.get_json()["message"]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def throttled(system: System) -> tuple[FlaskClient, Clock, dict[str, str]]:
    """An app allowing 3 failed authentications a minute per client, on a clock the test moves."""
    settings = dataclasses.replace(system.settings, auth_failures_per_minute=3)
    app = _app(dataclasses.replace(system, settings=settings))
    clock = Clock()
    app.extensions["riskgate.failed_authentications"] = FailedAuthentications(3, clock=clock)
    return app.test_client(), clock, _bearer(system, "gatekeeper")


def test_repeated_failed_authentication_is_throttled_with_429_and_retry_after(
    throttled: tuple[FlaskClient, Clock, dict[str, str]],
) -> None:
    client, clock, gatekeeper = throttled
    guess = {"Authorization": "Bearer rg_guess"}
    attacker = _as("203.0.113.9")

    failures = [client.get("/v1/decisions", headers=guess, **attacker) for _ in range(3)]
    clock.now += 15
    refused = client.get("/v1/decisions", headers=guess, **attacker)
    with_a_valid_token = client.get("/v1/decisions", headers=gatekeeper, **attacker)
    public = client.get("/healthz", **attacker)
    someone_else = client.get("/v1/decisions", headers=gatekeeper, **_as("198.51.100.4"))
    still_refused = client.get("/v1/decisions", headers=gatekeeper, **attacker)
    clock.now += 45  # the minute that began with the first failure has passed
    again = client.get("/v1/decisions", headers=gatekeeper, **attacker)

    assert [f.status_code for f in failures] == [401, 401, 401]
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "45"
    assert refused.get_json()["errors"] == {
        "Authorization": ["too many failed authentications from 203.0.113.9; try again in 45 s"]
    }
    assert with_a_valid_token.status_code == 429  # refused too, until the window passes
    assert public.status_code == 200
    assert someone_else.status_code == 200  # one client's failures throttle only that client
    assert still_refused.status_code == 429  # another's success resets nothing
    assert again.status_code == 200


def test_a_missing_token_or_a_wrong_role_is_not_a_failed_authentication(
    throttled: tuple[FlaskClient, Clock, dict[str, str]], system: System
) -> None:
    client, _clock, _gatekeeper = throttled
    ofsted = _bearer(system, "inspectorate:ofsted")

    answers = [client.get("/v1/decisions") for _ in range(4)]
    answers += [client.get("/v1/decisions", headers=ofsted) for _ in range(4)]

    assert [a.status_code for a in answers] == [401] * 4 + [403] * 4


def test_the_throttle_setting_is_checked_at_start_naming_the_variable() -> None:
    with pytest.raises(ConfigError, match="RISKGATE_AUTH_FAILURES_PER_MINUTE: must be at least 1"):
        Settings.from_env({"RISKGATE_AUTH_FAILURES_PER_MINUTE": "0"})
    assert Settings.from_env({}).auth_failures_per_minute == 20


def test_every_answer_carries_the_security_headers(app: Flask, system: System) -> None:
    client = app.test_client()
    answers = {
        "public": client.get("/v1/areas/E10000017/assessment?year=2009"),
        "health": client.get("/healthz"),
        "unknown route": client.get("/nowhere"),
        "wrong method": client.delete("/v1/decisions"),
        "unauthenticated": client.post("/v1/events", json={}),
        "too big": client.post(
            "/v1/events",
            data=b"x" * 2_000_000,
            content_type="application/json",
            headers=_bearer(system, "integrator"),
        ),
        "authenticated": client.get("/v1/decisions", headers=_bearer(system, "gatekeeper")),
    }

    for name, answer in answers.items():
        assert {h: answer.headers.get(h) for h in SECURITY} == SECURITY, name
    assert answers["unknown route"].status_code == 404
    assert answers["too big"].status_code == 413


def test_authenticated_answers_are_no_store_and_public_ones_are_not(
    app: Flask, system: System
) -> None:
    client = app.test_client()
    gatekeeper = _bearer(system, "gatekeeper")

    decisions = client.get("/v1/decisions", headers=gatekeeper)
    refused = client.get("/v1/decisions", headers={"Authorization": "Bearer rg_wrong"})
    public = client.get("/v1/calls-for-action")

    assert decisions.status_code == 200 and decisions.headers["Cache-Control"] == "no-store"
    assert refused.status_code == 401 and refused.headers["Cache-Control"] == "no-store"
    assert public.status_code == 200 and "no-store" not in public.headers.get("Cache-Control", "")


def test_readyz_says_what_is_not_ready_without_exception_text_or_addresses(
    system: System, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = free_port()
    system.ingest.submit([indicator_event("E10000017", "NI 117", "2009-Q1", 9.0)])
    risk = system.consumer("risk")

    def store_away(_event: dict[str, Any]) -> None:
        raise ConnectionError(f"Error 111 connecting to 10.20.30.40:{closed}. Connection refused.")

    monkeypatch.setattr(risk, "_handler", store_away)
    monkeypatch.setattr(risk, "_retry_pause_s", 0)
    risk.run_once(timeout_s=0)
    unreachable = RedisStore(f"redis://127.0.0.1:{closed}/0")  # nothing listens there
    client = _app(dataclasses.replace(system, store=unreachable)).test_client()

    answer = client.get("/readyz")
    text = answer.get_data(as_text=True)

    assert risk.last_error is not None and "10.20.30.40" in risk.last_error  # the log has it
    assert answer.status_code == 503
    assert answer.get_json()["problems"] == {"consumer risk": "retrying", "store": "unreachable"}
    assert "10.20.30.40" not in text and str(closed) not in text and "Error" not in text
    assert json.loads(text)["status"] == "not ready"


def test_readyz_is_ready_with_no_problems(tmp_path: Path) -> None:
    client = _app(bootstrap(Settings(rules_dir=RULES_DIR, home=tmp_path))).test_client()

    answer = client.get("/readyz")

    assert answer.status_code == 200
    assert answer.get_json()["problems"] == {}
