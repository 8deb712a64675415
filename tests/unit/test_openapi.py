"""The finished contract: every route in /openapi.json declares its answer and its errors, the
answers really are what the schemas say, and every error, Flask's own included, has one shape."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from marshmallow import Schema

from riskgate.bootstrap import System, bootstrap
from riskgate.config import Settings
from riskgate.domain.errors import Conflict, DomainError, Invalid, NotAllowed, NotFound
from riskgate.entrypoints.http import create_app
from riskgate.entrypoints.http.answers import InspectionAnswer
from riskgate.entrypoints.http.areas import AssessmentAnswer
from riskgate.entrypoints.http.audit import AuditPageAnswer
from riskgate.entrypoints.http.citizens import CaseAnswer, PetitionAnswer
from riskgate.entrypoints.http.gatekeeper import (
    BurdenAnswer,
    DecisionAnswer,
    OverrideAnswer,
    RequestAnswer,
)
from riskgate.entrypoints.http.ops import ReadinessAnswer
from riskgate.sample.stories import scripted_stories
from riskgate.schemas import ErrorSchema

ROOT = Path(__file__).resolve().parents[2]
SANDWELL = "E08000028"
ERROR_REF = "#/components/schemas/Error"
JUSTIFICATION = "The department withdrew its concern after the council's own review."


@pytest.fixture
def system(tmp_path: Path) -> System:
    return bootstrap(Settings(rules_dir=ROOT / "rules", home=tmp_path, today=date(2009, 10, 1)))


@pytest.fixture
def app(system: System) -> Flask:
    return create_app(system)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _auth(system: System, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {system.tokens.create(role)}"}


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in doc["paths"].items()
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


def _resolved(doc: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    """A response object, following a `$ref` into components/responses."""
    ref = response.get("$ref")
    if ref is None:
        return response
    return dict(doc["components"]["responses"][ref.rsplit("/", 1)[1]])


# --- the document ------------------------------------------------------------------------------


def test_every_operation_declares_the_schema_of_its_success_answer(client: FlaskClient) -> None:
    doc = client.get("/openapi.json").get_json()
    operations = _operations(doc)
    assert len(operations) == 24  # 21 resource methods and 3 for operators
    for method, path, operation in operations:
        successes = {k: v for k, v in operation["responses"].items() if k.startswith("2")}
        assert successes, f"{method} {path} declares no 2xx answer"
        for status, response in successes.items():
            content = _resolved(doc, response).get("content", {})
            schemas = [c.get("schema") for c in content.values()]
            assert schemas and all(schemas), f"{method} {path} {status} has no schema"


def test_every_error_an_operation_declares_is_the_one_error_schema(client: FlaskClient) -> None:
    doc = client.get("/openapi.json").get_json()
    for method, path, operation in _operations(doc):
        errors = {k: v for k, v in operation["responses"].items() if k.startswith("4")}
        assert "default" in operation["responses"], f"{method} {path}"
        errors["default"] = operation["responses"]["default"]
        for status, response in errors.items():
            schema = _resolved(doc, response)["content"]["application/json"]["schema"]
            assert schema == {"$ref": ERROR_REF}, f"{method} {path} {status}: {schema}"
    declared = doc["components"]["schemas"]["Error"]["properties"]
    assert set(declared) == set(ErrorSchema().fields)


def test_errors_are_declared_where_they_happen(client: FlaskClient) -> None:
    doc = client.get("/openapi.json").get_json()
    responses = {(m, p): set(o["responses"]) for m, p, o in _operations(doc)}
    assert {"400", "401", "403", "413"} <= responses[("POST", "/v1/events")]
    assert {"401", "403", "404", "409"} <= responses[("POST", "/v1/work/{inspection_id}/accept")]
    assert {"400", "404", "409", "413"} <= responses[
        ("POST", "/v1/decisions/{decision_id}/override")
    ]
    assert "404" in responses[("GET", "/v1/areas/{code}/assessment")]
    assert "401" not in responses[("GET", "/v1/calls-for-action")], "a public route"


# --- Flask's own errors and the domain's refusals ---------------------------------------------


def _assert_error_shape(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.content_type == "application/json"
    body = response.get_json()
    assert ErrorSchema().validate(body) == {}, body
    assert body["code"] == status and body["message"]
    return dict(body)


def test_an_unknown_route_and_a_wrong_method_are_json_errors(client: FlaskClient) -> None:
    _assert_error_shape(client.get("/v1/no-such-route"), 404)
    _assert_error_shape(client.delete("/v1/events"), 405)


def test_a_body_over_the_limit_is_a_json_413_naming_the_setting(
    system: System, client: FlaskClient
) -> None:
    too_big = b"[" + b" " * system.settings.max_body_bytes + b"]"
    response = client.post(
        "/v1/events",
        data=too_big,
        content_type="application/json",
        headers=_auth(system, "integrator"),
    )
    body = _assert_error_shape(response, 413)
    assert "RISKGATE_MAX_BODY_BYTES" in body["errors"]["body"][0]


def test_a_crash_is_a_json_500_that_does_not_show_the_exception(app: Flask) -> None:
    def crash() -> str:
        raise RuntimeError("the store password is hunter2")

    app.add_url_rule("/crash", view_func=crash)
    body = _assert_error_shape(app.test_client().get("/crash"), 500)
    assert "hunter2" not in json.dumps(body)


@pytest.mark.parametrize(
    ("refusal", "status"), [(NotFound, 404), (NotAllowed, 403), (Conflict, 409), (Invalid, 400)]
)
def test_the_domains_refusals_map_to_their_status_app_wide(
    app: Flask, refusal: type[DomainError], status: int
) -> None:
    def refuse() -> str:
        raise refusal("cannot do this to inspection X", {"start": ["before the notice period"]})

    app.add_url_rule("/refuse", view_func=refuse)
    body = _assert_error_shape(app.test_client().get("/refuse"), status)
    assert body["message"] == "cannot do this to inspection X"
    assert body["errors"] == {"start": ["before the notice period"]}


def test_a_real_refusal_from_the_gatekeeper_is_404_in_the_error_shape(
    system: System, client: FlaskClient
) -> None:
    response = client.post(
        "/v1/work/no-such-inspection/accept", headers=_auth(system, "inspectorate:ofsted")
    )
    body = _assert_error_shape(response, 404)
    assert "no-such-inspection" in body["message"]


# --- answers are what their schemas say --------------------------------------------------------


def _ok(client: FlaskClient, url: str, headers: dict[str, str] | None = None) -> Any:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _loads(schema: Schema, answer: Any) -> None:
    """The real JSON loads through its declared schema with no error (unknown keys included)."""
    schema.load(answer)


def test_the_gatekeepers_answers_validate_and_lose_nothing(
    system: System, client: FlaskClient
) -> None:
    gatekeeper, ofsted = _auth(system, "gatekeeper"), _auth(system, "inspectorate:ofsted")
    proposal = {
        "body": SANDWELL, "inspectorate": "ofsted", "theme": "children_and_young_people",
        "origin": "department", "reason": "DCSF is concerned about children's services",
        "window_start": "2009-10-05", "window_end": "2009-12-31", "on_site_days": 3,
    }  # fmt: skip
    posted = client.post("/v1/inspection-requests", json=proposal, headers=gatekeeper)
    assert posted.status_code == 202
    system.pump()
    [decision] = _ok(client, "/v1/decisions", gatekeeper)
    accepted = client.post(f"/v1/work/{decision['inspection_id']}/accept", headers=ofsted)
    assert accepted.status_code == 200
    _loads(InspectionAnswer(), accepted.get_json())
    system.pump()
    override = client.post(
        f"/v1/decisions/{decision['decision_id']}/override",
        json={"outcome": "rejected", "justification": JUSTIFICATION},
        headers=gatekeeper,
    )
    assert override.status_code == 201
    _loads(OverrideAnswer(), override.get_json())
    system.pump()

    answers = {
        "/v1/inspection-requests": (RequestAnswer(many=True), system.gatekeeper.requests()),
        "/v1/decisions": (DecisionAnswer(many=True), system.gatekeeper.decisions()),
        "/v1/inspections": (InspectionAnswer(many=True), system.gatekeeper.inspections()),
        f"/v1/bodies/{SANDWELL}/burden": (BurdenAnswer(), system.gatekeeper.burden(SANDWELL)),
        "/v1/inspectorates/ofsted/work?status=cancelled": (
            InspectionAnswer(many=True),
            system.work.items("ofsted", "cancelled"),
        ),
        "/v1/audit?since=2009-01-01": (
            AuditPageAnswer(),
            system.gatekeeper.audit(date(2009, 1, 1)),
        ),
    }
    for url, (schema, service_answer) in answers.items():
        role = ofsted if "inspectorates" in url else gatekeeper
        answer = _ok(client, url, role)
        assert answer, url
        _loads(schema, answer)
        # the schema is the whole answer: dumping through it drops and reorders nothing
        assert json.dumps(answer) == json.dumps(service_answer), url
    [with_override] = _ok(client, "/v1/decisions", gatekeeper)
    assert with_override["overrides"][0]["inspection"]["status"] == "cancelled"


def test_the_public_answers_validate_and_lose_nothing(tmp_path: Path) -> None:
    system = bootstrap(Settings(rules_dir=ROOT / "rules", home=tmp_path, today=date(2009, 12, 31)))
    events = sorted(
        (e for _, story in scripted_stories(2009, 2009) for e in story),
        key=lambda e: (e["occurred_at"], e["event_id"]),
    )
    assert not system.ingest.submit(events).errors
    system.pump()
    system.citizens.sweep()
    system.pump()
    client = create_app(system).test_client()
    area = next(iter(system.reference.areas))
    answers = {
        "/v1/calls-for-action": (CaseAnswer(many=True), system.citizens.calls_for_action()),
        "/v1/petitions": (PetitionAnswer(many=True), system.citizens.petitions()),
    }
    for url, (schema, service_answer) in answers.items():
        answer = _ok(client, url)
        assert answer, url
        _loads(schema, answer)
        assert json.dumps(answer) == json.dumps(service_answer), url
    _loads(AssessmentAnswer(), _ok(client, f"/v1/areas/{area}/assessment?year=2009"))
    _loads(ReadinessAnswer(), _ok(client, "/readyz"))
