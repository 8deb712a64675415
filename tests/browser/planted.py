"""A small planted year for the pages: Sandwell's primary results below the floor for two
quarters (a red flag with its evidence), a call for action, and three proposals the
gatekeeper approves (one to override, one to schedule into the pre-election blackout)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from flask import Flask

from riskgate.bootstrap import System, bootstrap
from riskgate.config import Settings
from riskgate.entrypoints.http import create_app
from tests.conftest import ROOT

TODAY = date(2010, 2, 1)
SANDWELL = "E08000028"  # a metropolitan district: its own area
WOLVERHAMPTON = "E08000031"  # a peer: another metropolitan district
HAMPSHIRE = "E10000014"
CYP = "children_and_young_people"
RESOURCES = "use_of_resources"
HEALTH = "healthier_communities_and_older_people"
JUSTIFICATION = "The department withdrew its concern after the council's own review."


@dataclass
class Planted:
    system: System
    app: Flask
    tokens: dict[str, str]  # role -> token
    override_request: str  # the request whose decision the gatekeeper overrides
    blackout_inspection: str  # the Audit Commission's work to schedule


def _event(type_: str, body: str, occurred_at: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "type": type_,
        "occurred_at": occurred_at,
        "source": "planted",
        "body": body,
        "payload": payload,
    }


def _indicators() -> list[dict[str, Any]]:
    """NI 73 (KS2 English and Maths, floor 55%) for Sandwell under the floor in Q2 and Q3;
    its peers and Hampshire above it."""
    figures = {
        SANDWELL: [58.0, 51.0, 49.5],
        WOLVERHAMPTON: [61.0, 62.5, 63.0],
        "E08000029": [66.0, 65.0, 67.5],  # Solihull
        "E08000030": [57.5, 59.0, 60.0],  # Walsall
        HAMPSHIRE: [72.0, 73.0, 74.5],
    }
    return [
        _event(
            "indicator.reported",
            body,
            f"2009-{month:02d}-15T10:00:00+01:00",
            {"indicator": "NI 73", "period": f"2009-Q{quarter}", "value": value, "unit": "%"},
        )
        for body, values in figures.items()
        for quarter, month, value in zip((1, 2, 3), (4, 7, 10), values, strict=True)
    ]


def _call_for_action() -> list[dict[str, Any]]:
    """A councillor's Community Call for Action at Sandwell, raised, referred and given the
    committee's recommendations in January 2010 (the 20 working days to respond start)."""
    case = "SMBC-CCFA-2010-001"
    return [
        _event(
            "ccfa.raised",
            SANDWELL,
            "2010-01-11T09:15:00+00:00",
            {
                "bodies": [SANDWELL],
                "case_ref": case,
                "councillor_ref": "cllr-5b21",
                "issue": "Youth services closed in the ward without consultation",
                "theme": CYP,
                "ward": "Tipton Green",
            },
        ),
        _event(
            "ccfa.referred",
            SANDWELL,
            "2010-01-18T10:00:00+00:00",
            {"case_ref": case, "committee": "overview_and_scrutiny", "referred_on": "2010-01-18"},
        ),
        _event(
            "ccfa.recommended",
            SANDWELL,
            "2010-01-25T10:00:00+00:00",
            {
                "bodies": [SANDWELL],
                "case_ref": case,
                "recommendations": ["Reopen the youth centre on weekday evenings."],
                "recommended_on": "2010-01-25",
            },
        ),
    ]


def _agreement() -> list[dict[str, Any]]:
    """Sandwell's Local Area Agreement: NI 73 (designated, behind its trajectory in 2009) and
    a local target the public does not see."""

    def target(indicator: str, kind: str, values: tuple[float, ...]) -> dict[str, Any]:
        base, *years = values
        return {
            "indicator": indicator,
            "kind": kind,
            "baseline": {"period": "2007-08", "value": base},
            "trajectory": [
                {"period": p, "value": v}
                for p, v in zip(("2008-09", "2009-10", "2010-11"), years, strict=True)
            ],
            "lead_partner": SANDWELL,
            "partners": [],
        }

    payload = {
        "period_start": "2008-09",
        "period_end": "2010-11",
        "effective_from": "2008-06-30",
        "targets": [target("NI 73", "designated", (55, 57, 60, 62)),
                    target("NI 4", "local", (40, 41, 50, 55))],
    }  # fmt: skip
    return [_event("laa.agreed", SANDWELL, "2009-01-05T09:00:00+00:00", payload)]


def _proposal(**changes: Any) -> dict[str, Any]:
    return {
        "body": SANDWELL,
        "inspectorate": "ofsted",
        "theme": CYP,
        "origin": "department",
        "reason": "DCSF is concerned about the council's children's services",
        "window_start": "2010-02-08",
        "window_end": "2010-06-30",
        "on_site_days": 3,
        **changes,
    }


def plant(tmp_path: Path, today: date = TODAY) -> Planted:
    """The planted system with its app, its clock on `today`; every consumer has caught up."""
    system = bootstrap(Settings(rules_dir=ROOT / "rules", home=tmp_path, today=today))
    app = create_app(system)
    roles = (
        "integrator",
        "gatekeeper",
        "inspectorate:audit_commission",
        "inspectorate:ofsted",
        f"council:{SANDWELL}",
    )
    tokens = {role: system.tokens.create(role, holder=f"planted:{role}") for role in roles}
    client = app.test_client()

    def post(path: str, role: str, body: Any) -> dict[str, Any]:
        response = client.post(path, json=body, headers={"Authorization": f"Bearer {tokens[role]}"})
        assert response.status_code in (200, 201, 202), response.get_json()
        system.pump()
        return dict(response.get_json()) if isinstance(response.get_json(), dict) else {}

    post("/v1/events", "integrator", [*_agreement(), *_indicators(), *_call_for_action()])
    override = post(
        "/v1/inspection-requests",
        "integrator",
        _proposal(
            body=HAMPSHIRE,
            inspectorate="cqc",
            theme=HEALTH,
            reason="The department of health doubts the area's care for older people",
        ),
    )["request_id"]
    audit = post(
        "/v1/inspection-requests",
        "integrator",
        _proposal(
            inspectorate="audit_commission",
            theme=RESOURCES,
            window_start="2010-04-01",
            reason="The district auditor questions the council's savings plan",
        ),
    )["request_id"]
    inspection = next(
        d["inspection_id"] for d in system.gatekeeper.decisions() if d["request_id"] == audit
    )
    post(f"/v1/work/{inspection}/accept", "inspectorate:audit_commission", None)
    return Planted(system, app, tokens, override, inspection)
