"""A routing change reaches both services that send inspection requests, without a restart:
the risk service's triggered requests and the citizens service's escalations.

The embedded System runs both consumers (risk and citizens, with the gatekeeper that
receives their requests) on a copied rules directory that is looked at on every event.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from riskgate.bootstrap import System, bootstrap
from riskgate.config import Settings
from riskgate.entrypoints.http import create_app

ROOT = Path(__file__).resolve().parents[2]
SANDWELL, LEEDS, WIGAN = "E08000028", "E08000035", "E08000010"
CHILDREN = "children_and_young_people"
NEET = "NI 117"  # 16-18 year olds not in education, employment or training; floor 10%


def _neet(body: str, period: str, value: float) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()), "type": "indicator.reported",
        "occurred_at": f"2009-{int(period[-1]) * 3:02d}-28T09:00:00+00:00", "source": "test",
        "body": body, "payload": {"indicator": NEET, "period": period, "value": value},
    }  # fmt: skip


def _three_bad_quarters(body: str) -> list[dict[str, Any]]:
    return [_neet(body, f"2009-Q{q}", 12.5) for q in (1, 2, 3)]


def _fraud_call(body: str, case_ref: str) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()), "type": "ccfa.raised",
        "occurred_at": "2009-10-05T10:00:00+00:00", "source": "test", "body": body,
        "payload": {
            "case_ref": case_ref, "councillor_ref": "cllr-9", "ward": "Central",
            "issue": "School transport contracts let without tender", "theme": CHILDREN,
            "bodies": [body], "suspected": "fraud",
        },
    }  # fmt: skip


def _route(rules: Path, theme: str, inspectorate: str) -> None:
    path = rules / "routing.yaml"
    lines = [
        f"  {theme}: {inspectorate}" if line.startswith(f"  {theme}:") else line
        for line in path.read_text().splitlines()
    ]
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    copy = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", copy)
    return copy


@pytest.fixture
def system(rules: Path, tmp_path: Path) -> System:
    return bootstrap(Settings(rules_dir=rules, home=tmp_path / "home", rules_reload_s=0))


def _requests_seen(client: FlaskClient, token: str) -> dict[tuple[str, str], str]:
    """(origin, area) -> inspectorate, as the gatekeeper lists the requests it received."""
    response = client.get("/v1/inspection-requests", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_json()
    return {(r["origin"], r["area"]): r["inspectorate"] for r in response.get_json()}


def test_a_routing_change_reaches_triggered_requests_and_escalated_calls_alike(
    system: System, rules: Path
) -> None:
    client = create_app(system).test_client()
    token = system.tokens.create("gatekeeper")

    assert not system.ingest.submit(
        [*_three_bad_quarters(SANDWELL), _fraud_call(SANDWELL, "C-1")]
    ).errors
    system.pump(("risk", "citizens", "gatekeeper"))
    before = _requests_seen(client, token)
    assert before[("risk_rule", SANDWELL)] == "ofsted"
    assert before[("call_for_action", SANDWELL)] == "ofsted"

    _route(rules, CHILDREN, "audit_commission")
    assert not system.ingest.submit([*_three_bad_quarters(LEEDS), _fraud_call(WIGAN, "C-2")]).errors
    system.pump(("risk", "citizens", "gatekeeper"))

    after = _requests_seen(client, token)
    assert after[("risk_rule", LEEDS)] == "audit_commission"
    assert after[("call_for_action", WIGAN)] == "audit_commission"
    # What was sent before the change stays as it was sent.
    assert after[("risk_rule", SANDWELL)] == "ofsted"
    assert after[("call_for_action", SANDWELL)] == "ofsted"


def _petition(ref: str, signatures: int) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()), "type": "petition.submitted",
        "occurred_at": "2009-06-01T10:00:00+00:00", "source": "test", "body": LEEDS,
        "payload": {
            "petition_ref": ref, "topic": "Keep the Kirkstall library open", "theme": CHILDREN,
            "signatures": signatures, "neighbourhood": "Kirkstall",
        },
    }  # fmt: skip


def test_a_changed_citizens_file_applies_at_once_and_a_broken_one_keeps_the_last_good(
    system: System, rules: Path
) -> None:
    client = create_app(system).test_client()
    shipped = (rules / "citizens.yaml").read_text()

    def submit(ref: str) -> dict[str, Any]:
        assert not system.ingest.submit([_petition(ref, 1000)]).errors
        system.pump(("citizens",))
        response = client.get(f"/v1/petitions?council={LEEDS}")
        assert response.status_code == 200, response.get_json()
        return {p["petition_ref"]: p for p in response.get_json()}[ref]

    petition = submit("P-1")
    assert (petition["status"], petition["debate_threshold"]) == ("received", 1500)

    (rules / "citizens.yaml").write_text("defaults:\n  debate_threshold: lots\n")
    petition = submit("P-2")
    assert (petition["status"], petition["debate_threshold"]) == ("received", 1500)

    (rules / "citizens.yaml").write_text(
        shipped.replace("debate_threshold: 1500", "debate_threshold: 900")
    )
    petition = submit("P-3")
    assert (petition["status"], petition["debate_threshold"]) == ("debate_required", 900)
