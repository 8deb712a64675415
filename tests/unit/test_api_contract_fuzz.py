"""schemathesis against the embedded app, for every role: generated requests to every operation
in /openapi.json get no server error and no answer that breaks the document (status, content
type, headers and body schema).

Bounded in examples so that it stays a unit test: FUZZ_EXAMPLES per operation, per role and
per generation mode (valid and invalid input).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err, Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from riskgate.bootstrap import System, bootstrap
from riskgate.config import Settings
from riskgate.entrypoints.http import create_app
from riskgate.sample.stories import scripted_stories

ROOT = Path(__file__).resolve().parents[2]
FUZZ_EXAMPLES = 4
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Every kind of caller: the public, then one token of each role.
ROLES = (
    None,
    "integrator",
    "admin",
    "gatekeeper",
    "inspectorate:ofsted",
    "council:E08000028",
    "government_office:west_midlands",
)
PROPOSAL = {
    "body": "E08000028", "inspectorate": "ofsted", "theme": "children_and_young_people",
    "origin": "department", "reason": "DCSF is concerned about children's services",
    "window_start": "2009-10-05", "window_end": "2009-12-31", "on_site_days": 3,
}  # fmt: skip


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """An embedded system with something in every list: the citizens' stories, a proposal
    and its decision, an inspection."""
    home = tmp_path_factory.mktemp("fuzz")
    system = bootstrap(Settings(rules_dir=ROOT / "rules", home=home, today=date(2009, 12, 31)))
    events = sorted(
        (e for _, story in scripted_stories(2009, 2009) for e in story),
        key=lambda e: (e["occurred_at"], e["event_id"]),
    )
    assert not system.ingest.submit(events).errors
    system.pump()
    client = create_app(system).test_client()
    token = system.tokens.create("gatekeeper")
    posted = client.post(
        "/v1/inspection-requests", json=PROPOSAL, headers={"Authorization": f"Bearer {token}"}
    )
    assert posted.status_code == 202, posted.get_json()
    system.pump()
    yield system


@pytest.fixture(scope="module")
def app(system: System) -> Flask:
    return create_app(system)


def _operations(app: Flask) -> list[Any]:
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    results = list(schema.get_all_operations())
    invalid = [result.err() for result in results if isinstance(result, Err)]
    assert not invalid, invalid
    return [result.ok() for result in results if isinstance(result, Ok)]


@pytest.mark.parametrize("role", ROLES, ids=lambda role: role or "public")
def test_no_server_error_and_no_answer_outside_the_document(
    system: System, app: Flask, role: str | None
) -> None:
    headers = {"Authorization": f"Bearer {system.tokens.create(role)}"} if role else {}
    operations = _operations(app)
    assert len(operations) >= 20
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=FUZZ_EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def answers_within_the_document(case: Any) -> None:
                response = case.call(headers=headers)
                case.validate_response(response, checks=CHECKS, headers=headers)

            try:
                answers_within_the_document()
            except Unsatisfiable:
                # nothing of the operation can be made invalid (no parameters, no body)
                assert mode is GenerationMode.NEGATIVE, operation.label
