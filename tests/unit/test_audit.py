"""The audit trail through HTTP, embedded (memory bus and store): `GET /v1/audit` names who
overrode what and who accepted, scheduled, completed, declined and re-routed which inspection,
in which role and when; only the gatekeeper reads it, a page at a time; and the trail is a
fold of `gatekeeper.decisions`, so rebuilding the gatekeeper's state restores it."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from riskgate.adapters.store import MemoryStore
from riskgate.bootstrap import System, bootstrap
from riskgate.config import Settings
from riskgate.entrypoints.http import create_app
from riskgate.schemas.export import example_events
from riskgate.service_layer.gatekeeper_fold import rebuild
from riskgate.service_layer.rebuild import rebuild_gatekeeper
from riskgate.service_layer.repositories.audit import AuditQuery, AuditTrail
from tests.conftest import ROOT, pin_today

TODAY = date(2009, 10, 1)
ON_SITE = date(2009, 10, 21)  # the visit scheduled below runs from 19 October
SANDWELL = "E08000028"  # a metropolitan district: its own area
HAMPSHIRE = "E10000014"  # a county
CYP = "children_and_young_people"
HEALTH = "healthier_communities_and_older_people"
JUSTIFICATION = "The department withdrew its concern after the council's own review."
POLICY = {
    "id": "riskgate.gatekeeper",
    "holder": "riskgate.gatekeeper",
    "role": "service:gatekeeper",
}


def staff_token(system: System, role: str, holder: str) -> str:
    """A token issued to `holder` in `role`, as `riskgate tokens create` issues it."""
    return system.tokens.create(role, holder=holder)


@dataclass
class Staff:
    """Two gatekeepers, an Ofsted inspector and an integrator, each with a token of their own."""

    system: System
    client: FlaskClient
    tokens: dict[str, str]

    def actor(self, who: str) -> dict[str, str]:
        """The actor (`id`, `holder`, `role`) the system knows behind `who`'s token."""
        actor = self.system.tokens.actor_of(self.tokens[who])
        assert actor is not None
        return actor.to_dict()

    def get(self, path: str, who: str) -> TestResponse:
        return self.client.get(path, headers={"Authorization": f"Bearer {self.tokens[who]}"})

    def post(self, path: str, who: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """POST as `who`, expect success, let every consumer catch up; the answer."""
        response = self.client.post(
            path, json=body, headers={"Authorization": f"Bearer {self.tokens[who]}"}
        )
        assert response.status_code in (200, 201, 202), response.get_json()
        self.system.pump()
        return dict(response.get_json())

    def approved(self, **changes: Any) -> dict[str, Any]:
        """A department's proposal, decided by policy: its (approving) decision."""
        proposal = {
            "body": SANDWELL, "inspectorate": "ofsted", "theme": CYP, "origin": "department",
            "reason": "DCSF is concerned about the council's children's services",
            "window_start": "2009-10-05", "window_end": "2009-12-31", "on_site_days": 3,
            **changes,
        }  # fmt: skip
        request_id = self.post("/v1/inspection-requests", "integrator", proposal)["request_id"]
        decisions = self.get("/v1/decisions", "bob").get_json()
        [decision] = [d for d in decisions if d["request_id"] == request_id]
        assert decision["outcome"] == "approved", decision["reasons"]
        return dict(decision)

    def trail(self, query: str = "since=2009-01-01", who: str = "bob") -> list[dict[str, Any]]:
        response = self.get(f"/v1/audit?{query}", who)
        assert response.status_code == 200, response.get_json()
        page = response.get_json()
        assert page["next"] is None, "one page holds this test's trail"
        return list(page["entries"])

    def on(self, day: date) -> None:
        """Move the pinned clock on (time passes between scheduling and completing)."""
        pin_today(self.system, day)


@pytest.fixture
def staff(tmp_path: Path) -> Staff:
    system = bootstrap(Settings(rules_dir=ROOT / "rules", home=tmp_path, today=TODAY))
    app = create_app(system)
    app.config["TESTING"] = True
    holders = {
        "ann": ("gatekeeper", "Ann Gatekeeper"),
        "bob": ("gatekeeper", "Bob Gatekeeper"),
        "olu": ("inspectorate:ofsted", "Olu Inspector"),
        "cqc": ("inspectorate:cqc", "Cas Inspector"),
        "integrator": ("integrator", "DCSF data hub"),
    }
    tokens = {who: staff_token(system, role, holder) for who, (role, holder) in holders.items()}
    return Staff(system, app.test_client(), tokens)


def visit_and_override(staff: Staff) -> tuple[dict[str, Any], dict[str, Any]]:
    """Ofsted accepts, schedules and completes one inspection; Ann rejects another's decision.
    The two decisions."""
    visited = staff.approved()
    overridden = staff.approved(body=HAMPSHIRE, inspectorate="cqc", theme=HEALTH)
    inspection_id = visited["inspection_id"]
    staff.post(f"/v1/work/{inspection_id}/accept", "olu")
    staff.post(
        f"/v1/work/{inspection_id}/schedule", "olu", {"start": "2009-10-19", "on_site_days": 3}
    )
    staff.post(
        f"/v1/decisions/{overridden['decision_id']}/override",
        "ann",
        {"outcome": "rejected", "justification": JUSTIFICATION},
    )
    staff.on(ON_SITE)
    staff.post(
        f"/v1/work/{inspection_id}/complete",
        "olu",
        {"finding": 2, "summary": "Adequate; see report"},
    )
    return visited, overridden


def test_the_audit_names_who_overrode_what_and_who_took_the_inspection_through(
    staff: Staff,
) -> None:
    visited, overridden = visit_and_override(staff)

    entries = staff.trail()

    done = [(e["action"], e["inspection_id"], e["actor"]) for e in entries]
    assert done == [
        ("decided", visited["inspection_id"], POLICY),
        ("decided", overridden["inspection_id"], POLICY),
        ("accepted", visited["inspection_id"], staff.actor("olu")),
        ("scheduled", visited["inspection_id"], staff.actor("olu")),
        ("overridden", overridden["inspection_id"], staff.actor("ann")),
        ("completed", visited["inspection_id"], staff.actor("olu")),
    ]
    [override] = [e for e in entries if e["action"] == "overridden"]
    assert override["actor"]["holder"] == staff.actor("ann")["holder"]
    assert override["actor"]["id"] != staff.actor("bob")["id"], "the other gatekeeper did not"
    assert override["actor"]["role"] == "gatekeeper"
    assert override["decision_id"] == overridden["decision_id"]
    assert override["request_ids"] == [overridden["request_id"]]
    assert (override["outcome"], override["justification"]) == ("rejected", JUSTIFICATION)
    assert override["at"].startswith("2009-10-01T") and override["at"].endswith("+00:00")
    [completed] = [e for e in entries if e["action"] == "completed"]
    assert completed["at"].startswith("2009-10-21T")
    assert (completed["finding"], completed["reason"]) == (2, "Adequate; see report")
    assert completed["actor"]["holder"] == staff.actor("olu")["holder"]
    decided = entries[0]
    assert decided["request_ids"] == [visited["request_id"]]
    assert decided["policy_version"] == visited["policy_version"]
    assert [e["at"] for e in entries] == sorted(e["at"] for e in entries)


def test_the_decision_record_names_the_holder_who_overrode(staff: Staff) -> None:
    _, overridden = visit_and_override(staff)

    decisions = staff.get("/v1/decisions", "bob").get_json()

    [decision] = [d for d in decisions if d["decision_id"] == overridden["decision_id"]]
    assert decision["actor"] == POLICY
    [override] = decision["overrides"]
    assert override["overridden_by"] == staff.actor("ann")["holder"]
    assert override["actor"] == staff.actor("ann")


def test_a_decline_and_a_reroute_name_the_inspectorate_and_the_gatekeeper(staff: Staff) -> None:
    inspection_id = staff.approved()["inspection_id"]
    staff.post(f"/v1/work/{inspection_id}/decline", "olu", {"reason": "No capacity this term"})
    staff.post(
        f"/v1/inspections/{inspection_id}/reroute",
        "bob",
        {"inspectorate": "cqc", "reason": "CQC has the capacity"},
    )

    steps = [
        (e["action"], e["actor"], e["reason"])
        for e in staff.trail("since=2009-10-01&until=2009-10-01")
        if e["action"] != "decided"
    ]

    assert steps == [
        ("declined", staff.actor("olu"), "No capacity this term"),
        ("rerouted", staff.actor("bob"), "CQC has the capacity"),
    ]


def test_only_the_gatekeeper_reads_the_audit(staff: Staff) -> None:
    visit_and_override(staff)

    unauthenticated = staff.client.get("/v1/audit?since=2009-01-01")
    assert unauthenticated.status_code == 401
    assert "bearer token" in unauthenticated.get_json()["message"]
    for who in ("olu", "integrator"):
        refused = staff.get("/v1/audit?since=2009-01-01", who)
        assert refused.status_code == 403, who
        assert "needs gatekeeper" in refused.get_json()["message"]
        assert "entries" not in refused.get_json()


def test_the_audit_filters_by_actor_action_and_day(staff: Staff) -> None:
    visit_and_override(staff)
    ann = staff.actor("ann")

    by_id = staff.trail(f"since=2009-01-01&actor={ann['id']}")
    completed = staff.trail("since=2009-01-01&action=completed")
    late = staff.trail("since=2009-10-02")
    early = staff.trail("since=2009-09-01&until=2009-10-01")

    assert [(e["action"], e["actor"]) for e in by_id] == [("overridden", ann)]
    assert [e["actor"]["holder"] for e in completed] == [staff.actor("olu")["holder"]]
    assert [e["action"] for e in late] == ["completed"]
    assert "completed" not in [e["action"] for e in early] and len(early) == 5


def test_the_audit_pages_through_with_the_cursor_it_gives(staff: Staff) -> None:
    visit_and_override(staff)
    whole = staff.trail()

    seen: list[dict[str, Any]] = []
    query = "since=2009-01-01&limit=4"
    while True:
        page = staff.get(f"/v1/audit?{query}", "bob").get_json()
        assert len(page["entries"]) <= 4
        seen += page["entries"]
        if page["next"] is None:
            break
        query = f"since=2009-01-01&limit=4&after={page['next']}"

    assert seen == whole and len(whole) == 6


def test_the_audit_pages_link_to_the_next_until_the_last(staff: Staff) -> None:
    visit_and_override(staff)
    seen: list[dict[str, Any]] = []
    url: str | None = "/v1/audit?since=2009-01-01&limit=4"
    while url is not None:
        response = staff.get(url.removeprefix("http://localhost"), "bob")
        page = response.get_json()
        seen += page["entries"]
        link = response.headers.get("Link")
        if page["next"] is None:
            assert link is None
            url = None
        else:
            assert link is not None and link.endswith('; rel="next"')
            url = link[1 : link.index(">")]
            assert url.endswith(f"after={page['next']}") and "limit=4" in url
    assert seen == staff.trail() and len(seen) == 6


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("", "since"),
        ("since=2009-13-01", "since"),
        ("since=2009-10-02&until=2009-10-01", "until"),
        ("since=2009-01-01&limit=1001", "limit"),
        ("since=2009-01-01&limit=0", "limit"),
        ("since=2009-01-01&action=deleted", "action"),
        ("since=2009-01-01&after=not-a-cursor", "after"),
        ("since=2009-01-01&after=" + "x" * 201, "after"),
    ],
)
def test_a_bad_audit_query_is_a_400_naming_the_field(staff: Staff, query: str, field: str) -> None:
    response = staff.get(f"/v1/audit?{query}", "bob")

    assert response.status_code == 400, response.get_json()
    assert list(response.get_json()["errors"]["query"]) == [field]


def test_rebuilding_the_gatekeeper_restores_the_audit_trail(staff: Staff) -> None:
    visit_and_override(staff)
    before = staff.trail()
    staff.system.store.flush_all()  # the live state is lost; the topics are not
    staff.tokens["bob"] = staff_token(staff.system, "gatekeeper", "Bob Gatekeeper")
    assert staff.trail() == []

    folded = rebuild_gatekeeper(staff.system)

    assert folded >= len(before)
    assert staff.trail() == before


def test_messages_from_before_actors_were_named_fold_into_the_trail_as_they_read() -> None:
    examples = example_events()
    old = []
    for kind, said in (
        ("gatekeeper.override", {"overridden_by": "gatekeeper"}),
        ("inspection.updated", {}),
    ):
        message = copy.deepcopy(examples[kind])
        del message["payload"]["actor"]
        message["payload"].update(said)
        old.append(message)
    store = MemoryStore()

    rebuild(store, old)

    entries, following = AuditTrail(store).page(AuditQuery(since=date(2009, 1, 1)))
    assert [(e["action"], e["actor"]) for e in entries] == [
        ("overridden", {"id": "unrecorded", "holder": "gatekeeper", "role": "gatekeeper"}),
        ("accepted", {"id": "unrecorded", "holder": "ofsted", "role": "inspectorate:ofsted"}),
    ]
    assert following is None
