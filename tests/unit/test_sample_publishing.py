"""`riskgate sample --publish`: the sample year posted to the ingest API as integrators would,
each event with a token of the role that may publish it, in the year's order (the embedded
app through Flask's test client, memory bus and store)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from riskgate import topics
from riskgate.bootstrap import bootstrap
from riskgate.config import Settings
from riskgate.entrypoints.http import create_app
from riskgate.service_layer.sample_publishing import SAMPLE_HOLDER, publish_sample, runs_by_role
from tests.conftest import ROOT


def test_runs_keep_the_order_and_change_at_each_role_or_batch(
    sample_year: list[dict[str, Any]],
) -> None:
    runs = list(runs_by_role(sample_year, 500))

    assert [event for _role, run in runs for event in run] == sample_year
    assert all(0 < len(run) <= 500 for _role, run in runs)
    assert {role for role, _run in runs} == {
        "admin", "integrator", "inspectorate:ofsted", "inspectorate:cqc"
    }  # fmt: skip
    for role, run in runs:
        kinds = {event["type"] for event in run}
        if role == "admin":
            assert kinds == {"body.registered"}
        elif role.startswith("inspectorate:"):
            assert kinds == {"inspection.finding"}
            assert {e["payload"]["inspectorate"] for e in run} == {role.split(":")[1]}
        else:
            assert not kinds & {"body.registered", "inspection.finding"}


def test_the_sample_is_accepted_through_ingest_with_one_token_per_role_in_order(
    tmp_path: Path, sample_year: list[dict[str, Any]]
) -> None:
    system = bootstrap(Settings(rules_dir=ROOT / "rules", home=tmp_path))
    client = create_app(system).test_client()
    findings = [e for e in sample_year if e["type"] == "inspection.finding"]
    events = sample_year[:1500] + findings  # registrations, integrators' events and findings

    def post(batch: list[dict[str, Any]], token: str) -> dict[str, Any]:
        response = client.post(
            "/v1/events", json=batch, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 202, response.get_json()
        return dict(response.get_json())

    done = publish_sample(events, system.tokens, post, batch=400)

    assert (done.accepted, done.duplicates) == (len(events), 0)
    assert set(done.roles) == {"admin", "integrator", "inspectorate:ofsted", "inspectorate:cqc"}
    holders = {(r.holder, r.role) for r in system.tokens.records()}
    assert {(SAMPLE_HOLDER, role) for role in done.roles} <= holders
    published = [json.loads(r.value)["event_id"] for r in system.bus.read_all(topics.EVENTS)]
    assert published == [e["event_id"] for e in events], "published in the year's order"
    again = publish_sample(events[:10], system.tokens, post)
    assert (again.accepted, again.duplicates) == (0, 10)


def test_a_request_stays_under_the_body_limit_however_large_its_events() -> None:
    from riskgate.adapters.ingest_client import POST_BYTES, bounded_batches

    large = [{"n": i, "text": "x" * 200_000} for i in range(10)]  # 2 MB in all
    batches = list(bounded_batches(large, max_events=500))
    assert [e["n"] for b in batches for e in b] == list(range(10))  # all, in order
    assert all(len(json.dumps(b).encode()) <= POST_BYTES for b in batches)
    assert len(batches) > 1
    assert [len(b) for b in bounded_batches([{"n": i} for i in range(7)], max_events=3)] == [3, 3, 1]
