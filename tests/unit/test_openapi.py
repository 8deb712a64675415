"""The finished contract: every route in /openapi.json declares its answer, its errors and its
security, the answers really are what the schemas say, every error, Flask's own included, has
one shape, an unknown query parameter is refused, and /docs shows it all from local files."""

from __future__ import annotations

import json
import re
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
from riskgate.entrypoints.http.errors import PAGE_ERRORS, is_api_path
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


# API paths that are not operations: the document itself, its reference page and its files.
NOT_OPERATIONS = {"/openapi.json", "/docs", "/docs/assets/{filename}"}


def _rules(app: Flask) -> set[tuple[str, str]]:
    """Every (METHOD, path) the app routes, in the document's spelling of paths."""
    return {
        (method, re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule))
        for rule in app.url_map.iter_rules()
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }


def test_every_route_is_in_the_document(app: Flask, client: FlaskClient) -> None:
    doc = client.get("/openapi.json").get_json()
    documented = {(method, path) for method, path, _ in _operations(doc)}
    # the API's paths only: pages for people (`/`, their static files) are not operations
    routed = {(m, p) for m, p in _rules(app) if is_api_path(p) and p not in NOT_OPERATIONS}
    assert routed == documented
    assert ("GET", "/v1/areas") in documented
    assert len(documented) >= 22


def test_every_operation_declares_the_schema_of_its_success_answer(client: FlaskClient) -> None:
    doc = client.get("/openapi.json").get_json()
    operations = _operations(doc)
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


def _example_path(path: str) -> str:
    return re.sub(r"{[^}]+}", "x", path).replace("/inspectorates/x/", "/inspectorates/ofsted/")


def test_security_is_declared_exactly_where_a_token_is_required(client: FlaskClient) -> None:
    """The document says bearer on an operation iff the server answers 401 without a token."""
    doc = client.get("/openapi.json").get_json()
    assert doc["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    secured = []
    for method, path, operation in _operations(doc):
        answer = client.open(_example_path(path), method=method)
        declared = operation.get("security") == [{"bearer": []}]
        assert declared == (answer.status_code == 401), f"{method} {path}: {answer.status_code}"
        if declared:
            secured.append((method, path))
            assert {"401", "403", "429"} <= set(operation["responses"]), f"{method} {path}"
            assert operation["x-roles"], f"{method} {path} names no role"
    assert len(secured) >= 15
    assert ("GET", "/v1/areas") not in secured and ("GET", "/v1/decisions") in secured


# --- Flask's own errors and the domain's refusals ---------------------------------------------


def _assert_error_shape(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.content_type == "application/json"
    body = response.get_json()
    assert ErrorSchema().validate(body) == {}, body
    assert body["code"] == status and body["message"]
    return dict(body)


def test_an_unknown_route_and_a_wrong_method_are_json_errors_naming_what_is_wrong(
    client: FlaskClient,
) -> None:
    unknown = _assert_error_shape(client.get("/v1/no-such-route"), 404)
    assert unknown["errors"] == {"path": ["no such route: /v1/no-such-route"]}
    wrong = _assert_error_shape(client.delete("/v1/events"), 405)
    assert wrong["errors"] == {"method": ["DELETE is not allowed on /v1/events; allowed: POST"]}


def test_a_page_handler_may_answer_off_the_api_paths_while_the_api_stays_json(app: Flask) -> None:
    """The hook the public pages use: errors off the API's paths go to their handler (the
    pages' own HTML 404, replaced here by a plain one to see the hook is what answers)."""
    app.extensions[PAGE_ERRORS] = lambda error: (f"<h1>{error.code}</h1>", error.code)
    client = app.test_client()
    for path in ("/no-such-page", "/healthzz", "/v1x"):
        page = client.get(path)
        assert page.status_code == 404 and page.get_data(as_text=True) == "<h1>404</h1>", path
    for path in ("/v1/no-such-route", "/healthz/x", "/openapi.json/x"):
        _assert_error_shape(client.get(path), 404)
    _assert_error_shape(client.delete("/v1/events"), 405)


def test_a_refusal_that_names_no_field_names_what_it_is_about(
    system: System, client: FlaskClient
) -> None:
    """409 and 403 carry `errors` like every other error, never null."""
    gatekeeper, ofsted = _auth(system, "gatekeeper"), _auth(system, "inspectorate:ofsted")
    proposal = {
        "body": SANDWELL, "inspectorate": "ofsted", "theme": "children_and_young_people",
        "origin": "department", "reason": "DCSF is concerned about children's services",
        "window_start": "2009-10-05", "window_end": "2009-12-31", "on_site_days": 3,
    }  # fmt: skip
    assert client.post("/v1/inspection-requests", json=proposal, headers=gatekeeper).status_code
    system.pump()
    [decision] = _ok(client, "/v1/decisions", gatekeeper)
    inspection = decision["inspection_id"]
    completed_too_soon = client.post(
        f"/v1/work/{inspection}/complete", json={"finding": 2, "summary": "ok"}, headers=ofsted
    )
    conflict = _assert_error_shape(completed_too_soon, 409)
    assert list(conflict["errors"]) == ["inspection_id"]
    assert "must be scheduled or on_site" in conflict["errors"]["inspection_id"][0]
    wrong_role = _assert_error_shape(client.get("/v1/decisions", headers=ofsted), 403)
    assert list(wrong_role["errors"]) == ["Authorization"]


@pytest.mark.parametrize(
    ("url", "role"),
    [
        ("/v1/areas?colour=red", None),
        ("/healthz?colour=red", None),
        ("/v1/decisions?page=1&colour=red", "gatekeeper"),
        ("/v1/inspectorates/ofsted/work?colour=red", "inspectorate:ofsted"),
    ],
)
def test_an_unknown_query_parameter_is_a_400_naming_it(
    system: System, client: FlaskClient, url: str, role: str | None
) -> None:
    headers = _auth(system, role) if role else None
    body = _assert_error_shape(client.get(url, headers=headers), 400)
    assert body["message"] == "unknown query parameter: colour"
    assert list(body["errors"]) == ["colour"]
    assert "it takes:" in body["errors"]["colour"][0]


def test_an_unknown_query_parameter_on_a_command_is_refused_before_anything_changes(
    system: System, client: FlaskClient
) -> None:
    response = client.post(
        "/v1/work/x/accept?force=yes", headers=_auth(system, "inspectorate:ofsted")
    )
    body = _assert_error_shape(response, 400)
    assert body["errors"]["force"][0].startswith("not a query parameter of POST /v1/work/x/accept")


def test_without_a_token_an_unknown_parameter_is_still_401_first(client: FlaskClient) -> None:
    _assert_error_shape(client.get("/v1/decisions?colour=red"), 401)


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

    app.add_url_rule("/v1/crash", view_func=crash)
    body = _assert_error_shape(app.test_client().get("/v1/crash"), 500)
    assert "hunter2" not in json.dumps(body)


@pytest.mark.parametrize(
    ("refusal", "status"), [(NotFound, 404), (NotAllowed, 403), (Conflict, 409), (Invalid, 400)]
)
def test_the_domains_refusals_map_to_their_status_app_wide(
    app: Flask, refusal: type[DomainError], status: int
) -> None:
    def refuse() -> str:
        raise refusal("cannot do this to inspection X", {"start": ["before the notice period"]})

    app.add_url_rule("/v1/refuse", view_func=refuse)  # any route on the API's paths
    body = _assert_error_shape(app.test_client().get("/v1/refuse"), status)
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


# --- the reference at /docs --------------------------------------------------------------------


def test_docs_is_swagger_ui_on_this_document_with_every_file_from_this_server(
    client: FlaskClient,
) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and page.content_type.startswith("text/html")
    html = page.get_data(as_text=True)
    assert "SwaggerUIBundle" in html and "/openapi.json" in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(assets) == 3, assets
    for asset in assets:
        assert asset.startswith("/docs/assets/"), f"{asset} is not served from this package"
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert len(served.get_data()) > 10_000, asset
    assert not re.search(r"https?://", html), "the page names another origin"
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "http" not in policy
    # Swagger UI would otherwise send the document to its public validator
    assert '"validatorUrl": null' in html


def test_the_vendored_swagger_ui_is_the_pinned_version() -> None:
    assets = ROOT / "services" / "riskgate" / "entrypoints" / "http" / "static" / "swagger-ui"
    pinned = re.search(r"SWAGGER_UI_VERSION := (\S+)", (ROOT / "Makefile").read_text())
    assert pinned is not None
    assert (assets / "VERSION").read_text().strip() == pinned.group(1)
    assert {"swagger-ui-bundle.js", "swagger-ui.css", "LICENSE"} <= {
        p.name for p in assets.iterdir()
    }
