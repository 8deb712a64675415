"""Hostile input over HTTP is refused in the one error shape, naming the field and the bound,
and a refused request publishes nothing: bodies over RISKGATE_MAX_BODY_BYTES (with or without
a Content-Length), lists over RISKGATE_MAX_EVENTS_PER_POST, events over MAX_EVENT_BYTES, JSON
nested 10,000 deep, malformed JSON and lone surrogates. Embedded adapters, Flask's test client;
the same against a real server is in tests/e2e/test_hostile_http.py."""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from riskgate import limits, topics
from riskgate.bootstrap import System, bootstrap
from riskgate.config import ConfigError, Settings
from riskgate.entrypoints.http import create_app
from tests.conftest import ROOT

BURNLEY = "E07000117"
SHAPE = {"code", "status", "message", "errors"}


def _client(tmp_path: Path, **settings: Any) -> tuple[System, FlaskClient, dict[str, str]]:
    system = bootstrap(Settings(rules_dir=ROOT / "rules", home=tmp_path, **settings))
    app = create_app(system)
    app.config["TESTING"] = True
    token = system.tokens.create("integrator")
    return system, app.test_client(), {"Authorization": f"Bearer {token}"}


@pytest.fixture
def api(tmp_path: Path) -> tuple[System, FlaskClient, dict[str, str]]:
    return _client(tmp_path)


def _petition(**payload: Any) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()), "type": "petition.submitted",
        "occurred_at": "2009-05-01T10:00:00+01:00", "source": "burnley-borough-council",
        "body": BURNLEY,
        "payload": {"petition_ref": f"P-{uuid.uuid4().hex[:8]}", "topic": "Save the day centre",
                    "theme": "healthier_communities_and_older_people", "signatures": 900,
                    "neighbourhood": "Daneshouse", **payload},
    }  # fmt: skip


def _refusal(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    body: dict[str, Any] = response.get_json()
    assert set(body) == SHAPE and body["code"] == status
    return body


def test_a_body_over_the_limit_is_413_in_the_error_shape(api: Any) -> None:
    system, client, auth = api
    padded = json.dumps([_petition()]) + " " * limits.MAX_BODY_BYTES
    response = client.post("/v1/events", data=padded, content_type="application/json", headers=auth)
    body = _refusal(response, 413)
    assert (
        str(limits.MAX_BODY_BYTES) in body["message"]
        and "RISKGATE_MAX_BODY_BYTES" in body["message"]
    )
    assert list(body["errors"]) == ["body"]
    assert system.bus.read_all(topics.EVENTS) == []


def test_a_chunked_body_over_the_limit_is_413_without_a_content_length(api: Any) -> None:
    system, client, auth = api
    stream = io.BytesIO(b"[" + b" " * (limits.MAX_BODY_BYTES + 10) + b"]")
    response = client.post(
        "/v1/events", input_stream=stream, content_type="application/json", headers=auth,
        environ_overrides={"wsgi.input_terminated": True},
    )  # fmt: skip
    _refusal(response, 413)
    assert system.bus.read_all(topics.EVENTS) == []


def test_the_body_limit_comes_from_the_environment_and_is_checked() -> None:
    env = {"RISKGATE_RULES_DIR": str(ROOT / "rules")}
    assert Settings.from_env(env).max_body_bytes == limits.MAX_BODY_BYTES
    assert (
        Settings.from_env({**env, "RISKGATE_MAX_BODY_BYTES": "2000000"}).max_body_bytes == 2_000_000
    )
    with pytest.raises(ConfigError, match="RISKGATE_MAX_BODY_BYTES"):
        Settings.from_env({**env, "RISKGATE_MAX_BODY_BYTES": "ten megabytes"})
    with pytest.raises(ConfigError, match="RISKGATE_MAX_BODY_BYTES: must be at least"):
        Settings.from_env({**env, "RISKGATE_MAX_BODY_BYTES": "100"})
    with pytest.raises(ConfigError, match="RISKGATE_MAX_EVENTS_PER_POST"):
        Settings.from_env({**env, "RISKGATE_MAX_EVENTS_PER_POST": "0"})


def test_more_events_than_the_limit_is_413_naming_the_limit(tmp_path: Path) -> None:
    system, client, auth = _client(tmp_path, max_events_per_post=3)
    response = client.post("/v1/events", json=[_petition() for _ in range(4)], headers=auth)
    body = _refusal(response, 413)
    assert "4 events" in body["message"] and "at most 3" in body["message"]
    assert "RISKGATE_MAX_EVENTS_PER_POST" in body["errors"]["body"][0]
    assert system.bus.read_all(topics.EVENTS) == []
    assert (
        client.post("/v1/events", json=[_petition() for _ in range(3)], headers=auth).status_code
        == 202
    )


DEEP = "[" * 10_000 + "]" * 10_000


def test_json_nested_10000_deep_is_400_naming_body(api: Any) -> None:
    system, client, auth = api
    response = client.post("/v1/events", data=DEEP, content_type="application/json", headers=auth)
    body = _refusal(response, 400)
    assert body["errors"] == {"body": [f"nested deeper than {limits.MAX_DEPTH} levels"]}
    assert system.bus.read_all(topics.EVENTS) == []


@pytest.mark.parametrize("route", ["/v1/inspection-requests", "/v1/decisions/d-1/override"])
def test_json_nested_10000_deep_is_401_unauthenticated_and_400_for_the_gatekeeper(
    api: Any, route: str
) -> None:
    system, client, _auth = api
    anonymous = client.post(route, data=DEEP, content_type="application/json")
    gatekeeper = {"Authorization": f"Bearer {system.tokens.create('gatekeeper')}"}
    checked = client.post(route, data=DEEP, content_type="application/json", headers=gatekeeper)

    assert _refusal(anonymous, 401)["errors"] == {
        "Authorization": ["missing bearer token: send `Authorization: Bearer <token>`"]
    }
    assert _refusal(checked, 400)["errors"] == {
        "body": [f"nested deeper than {limits.MAX_DEPTH} levels"]
    }


@pytest.mark.parametrize("route", ["/v1/events", "/v1/inspection-requests"])
def test_malformed_json_is_400_in_the_error_shape_not_html(api: Any, route: str) -> None:
    _system, client, auth = api
    response = client.post(
        route, data='{"event_id": ', content_type="application/json", headers=auth
    )
    body = _refusal(response, 400)
    assert body["errors"]["body"][0].startswith("not JSON: Expecting value at line 1")


def test_a_lone_surrogate_is_400_naming_the_field_and_nothing_is_published(api: Any) -> None:
    system, client, auth = api
    good = json.dumps(_petition())
    text = (
        json.dumps([_petition(), _petition()])[:-1]
        + ", "
        + good.replace('"Daneshouse"', '"Danes\\ud800house"')
        + "]"
    )
    response = client.post("/v1/events", data=text, content_type="application/json", headers=auth)
    body = _refusal(response, 400)
    assert body["errors"] == {
        "[2].payload.neighbourhood": ["not valid Unicode text (a lone surrogate)"]
    }
    assert system.bus.read_all(topics.EVENTS) == []


def test_bytes_that_are_not_utf8_are_400_naming_body(api: Any) -> None:
    _system, client, auth = api
    raw = json.dumps(_petition()).replace("Daneshouse", "Danes\udcffhouse", 1)
    data = raw.encode("utf-8", "surrogateescape")
    response = client.post("/v1/events", data=data, content_type="application/json", headers=auth)
    body = _refusal(response, 400)
    assert list(body["errors"]) == ["body"] and "not UTF-8" in body["errors"]["body"][0]


def _petitions_seen(system: System, client: FlaskClient) -> list[str]:
    system.pump()
    return sorted(
        p["petition_ref"] for p in client.get(f"/v1/petitions?council={BURNLEY}").get_json()
    )


def test_a_list_with_an_oversize_event_publishes_nothing_and_a_retry_publishes_each_once(
    tmp_path: Path,
) -> None:
    system, client, auth = _client(tmp_path, max_body_bytes=4 * limits.MAX_BODY_BYTES)
    first, second = _petition(), _petition()
    oversize = _petition(note="x" * 2_000_000)  # 2 MB: inside the raised body limit
    response = client.post("/v1/events", json=[first, second, oversize], headers=auth)
    body = _refusal(response, 400)
    assert list(body["errors"]) == ["2"]
    assert f"at most {limits.MAX_EVENT_BYTES}" in body["errors"]["2"]["_schema"][0]
    assert _petitions_seen(system, client) == []

    retry = client.post("/v1/events", json=[first, second], headers=auth)
    assert retry.status_code == 202
    assert (len(retry.get_json()["accepted"]), retry.get_json()["duplicates"]) == (2, [])
    refs = sorted(e["payload"]["petition_ref"] for e in (first, second))
    assert _petitions_seen(system, client) == refs
    assert len(system.bus.read_all(topics.EVENTS)) == 2


def test_a_one_megabyte_neighbourhood_is_refused_by_its_length_naming_the_field(
    tmp_path: Path,
) -> None:
    system, client, auth = _client(tmp_path, max_body_bytes=4 * limits.MAX_BODY_BYTES)
    petition = _petition(neighbourhood="a@" * 500_000)
    response = client.post("/v1/events", json=petition, headers=auth)
    body = _refusal(response, 400)
    assert list(body["errors"]) == ["_schema"], "over MAX_EVENT_BYTES before any field check"
    smaller = _petition(neighbourhood="Daneshouse" * 1000)  # 10,000 letters: under the event size
    body = _refusal(client.post("/v1/events", json=smaller, headers=auth), 400)
    assert body["errors"] == {"payload": {"neighbourhood": ["Length must be between 1 and 200."]}}
    assert system.bus.read_all(topics.EVENTS) == []
