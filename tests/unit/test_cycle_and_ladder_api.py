"""The annual cycle and the ladder through the HTTP API on the embedded default: two areas
go through 2009 (draft flags, challenges upheld and rejected, publication, a correction)
and 2010 (a second red flag opens a ladder case), and an Improvement Notice's milestones
meet the indicator data of 2011."""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from riskgate import topics
from riskgate.bootstrap import System, bootstrap
from riskgate.config import Settings
from riskgate.entrypoints.http import create_app
from tests.conftest import ROOT, pin_today

EXAMPLE = json.loads((ROOT / "contracts" / "examples" / "indicator.reported.json").read_text())
SANDWELL, BIRMINGHAM, HAMPSHIRE = "E08000028", "E08000025", "E10000014"
CYP = "children_and_young_people"


@dataclass
class Year:
    system: System
    client: FlaskClient

    def on(self, day: date) -> None:
        """Move the system's clock (RISKGATE_TODAY) to `day`."""
        pin_today(self.system, day)

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.system.tokens.create(role)}"}

    def neet(self, body: str, period: str, value: float) -> str:
        """`body` reports NI 117 (16-18 NEET, lower is better, floor 10) for a quarter."""
        event = copy.deepcopy(EXAMPLE)
        event.update(
            event_id=str(uuid.uuid4()), body=body, occurred_at=f"{period[:4]}-07-20T09:00:00+01:00"
        )
        event["payload"] = {"indicator": "NI 117", "period": period, "value": value, "unit": "%"}
        response = self.client.post("/v1/events", json=event, headers=self.auth("integrator"))
        assert response.status_code == 202, response.get_json()
        self.system.pump()
        return str(event["event_id"])

    def public(self, area: str, year: int) -> dict[str, Any]:
        response = self.client.get(f"/v1/areas/{area}/assessment?year={year}")
        assert response.status_code == 200
        return dict(response.get_json())

    def challenge(self, area: str, role: str, **fields: Any) -> Any:
        body = {"year": 2009, "theme": CYP, "reason": "the Q2 figure was revised", **fields}
        return self.client.post(f"/v1/areas/{area}/challenges", json=body, headers=self.auth(role))


@pytest.fixture
def year(tmp_path: Path) -> Year:
    system = bootstrap(Settings(rules_dir=ROOT / "rules", home=tmp_path, today=date(2009, 9, 15)))
    app = create_app(system)
    app.config["TESTING"] = True
    return Year(system, app.test_client())


@pytest.fixture
def drafted(year: Year) -> Year:
    """September 2009: Sandwell and Birmingham each have two NEET quarters over the floor."""
    for area in (SANDWELL, BIRMINGHAM):
        year.neet(area, "2009-Q1", 11.2)
        year.neet(area, "2009-Q2", 12.5)
    return year


def test_a_draft_flag_is_seen_by_the_areas_council_but_not_by_the_public(drafted: Year) -> None:
    public = drafted.public(SANDWELL, 2009)
    council = drafted.client.get(
        f"/v1/areas/{SANDWELL}/assessment?year=2009", headers=drafted.auth(f"council:{SANDWELL}")
    ).get_json()
    other = drafted.client.get(
        f"/v1/areas/{SANDWELL}/assessment?year=2009", headers=drafted.auth(f"council:{BIRMINGHAM}")
    )

    assert public["themes"] == {} and public["status"] == "not_yet_published"
    assert (public["stage"], public["publication"]) == ("draft", "2009-12-09")
    assert council["themes"][CYP]["flag"] == "red" and council["status"] == "draft"
    assert other.status_code == 403
    for role in ("inspectorate:ofsted", "gatekeeper"):
        seen = drafted.client.get(
            f"/v1/areas/{SANDWELL}/assessment?year=2009", headers=drafted.auth(role)
        ).get_json()
        assert seen["themes"][CYP]["flag"] == "red", role


def test_a_challenge_outside_the_window_is_409_giving_its_dates(drafted: Year) -> None:
    response = drafted.challenge(SANDWELL, f"council:{SANDWELL}")

    assert response.status_code == 409
    assert "2009-11-01 to 2009-11-30" in response.get_json()["message"]


def test_challenges_by_the_wrong_role_or_of_another_areas_flag_are_refused(drafted: Year) -> None:
    drafted.on(date(2009, 11, 10))

    assert drafted.challenge(SANDWELL, "integrator").status_code == 403
    assert drafted.challenge(SANDWELL, "inspectorate:ofsted").status_code == 403
    other_area = drafted.challenge(SANDWELL, f"council:{BIRMINGHAM}")
    assert other_area.status_code == 409
    assert "only its own area" in other_area.get_json()["message"]
    no_flag = drafted.challenge(
        SANDWELL, f"council:{SANDWELL}", theme="safer_and_stronger_communities"
    )
    assert no_flag.status_code == 409


def test_a_full_year_challenged_upheld_and_rejected_then_published_and_corrected(
    drafted: Year,
) -> None:
    y = drafted
    y.on(date(2009, 11, 10))
    evidence = [str(uuid.uuid4())]
    upheld = y.challenge(SANDWELL, f"council:{SANDWELL}", evidence=evidence).get_json()
    rejected = y.challenge(BIRMINGHAM, f"council:{BIRMINGHAM}").get_json()
    assert (upheld["status"], upheld["lead_inspectorate"]) == ("pending", "ofsted")
    assert upheld["evidence"] == evidence

    not_lead = y.client.post(
        f"/v1/challenges/{upheld['challenge_id']}/decision",
        json={"outcome": "upheld", "reason": "x"},
        headers=y.auth("inspectorate:cqc"),
    )
    assert not_lead.status_code == 403
    ofsted = y.auth("inspectorate:ofsted")
    decided = y.client.post(
        f"/v1/challenges/{upheld['challenge_id']}/decision",
        json={"outcome": "upheld", "reason": "the revised Q2 figure is under the floor"},
        headers=ofsted,
    )
    assert (
        decided.status_code == 200
        and decided.get_json()["decision"]["by"]["role"] == "inspectorate:ofsted"
    )
    y.client.post(
        f"/v1/challenges/{rejected['challenge_id']}/decision",
        json={"outcome": "rejected", "reason": "both quarters stand"},
        headers=ofsted,
    )
    again = y.client.post(
        f"/v1/challenges/{rejected['challenge_id']}/decision",
        json={"outcome": "upheld", "reason": "second thoughts"},
        headers=ofsted,
    )
    assert again.status_code == 409

    y.on(date(2009, 12, 8))
    assert y.public(SANDWELL, 2009)["themes"] == {}
    assert y.client.get(f"/v1/areas/{SANDWELL}/versions?year=2009").get_json() == []

    y.on(date(2009, 12, 9))
    sandwell, birmingham = y.public(SANDWELL, 2009), y.public(BIRMINGHAM, 2009)
    assert (sandwell["status"], sandwell["version"], sandwell["published_on"]) == (
        "published",
        1,
        "2009-12-09",
    )
    assert sandwell["themes"][CYP]["flag"] is None
    assert sandwell["themes"][CYP]["challenges"][0]["decision"]["outcome"] == "upheld"
    assert "challenge was upheld" in sandwell["themes"][CYP]["narrative"]
    assert birmingham["themes"][CYP]["flag"] == "red"
    assert birmingham["themes"][CYP]["challenges"][0]["decision"]["reason"] == "both quarters stand"

    y.on(date(2010, 1, 20))
    y.neet(BIRMINGHAM, "2009-Q3", 13.0)  # a late quarter: the published judgement is corrected
    corrected = y.public(BIRMINGHAM, 2009)
    versions = y.client.get(f"/v1/areas/{BIRMINGHAM}/versions?year=2009").get_json()
    assert (corrected["version"], corrected["published_on"]) == (2, "2010-01-20")
    assert [(v["version"], v["published_on"]) for v in versions] == [
        (1, "2009-12-09"),
        (2, "2010-01-20"),
    ]
    assert len(versions[1]["document"]["themes"][CYP]["evidence"]) == 3
    assert len(versions[0]["document"]["themes"][CYP]["evidence"]) == 2


def test_a_year_without_a_cycle_file_publishes_each_judgement_as_made(year: Year) -> None:
    year.neet(SANDWELL, "2008-Q1", 11.2)
    year.neet(SANDWELL, "2008-Q2", 12.5)

    public = year.public(SANDWELL, 2008)

    assert public["themes"][CYP]["flag"] == "red"
    assert (public["stage"], public["status"]) == ("continuous", "published")
    assert year.client.get("/v1/cycles/2008").status_code == 404
    assert year.client.get("/v1/cycles/2009").get_json()["stage"] == "draft"


@pytest.fixture
def second_year(drafted: Year) -> tuple[Year, dict[str, str]]:
    """Birmingham's red flag is published for 2009 and again for 2010: a ladder case."""
    y = drafted
    y.on(date(2009, 12, 9))
    y.public(BIRMINGHAM, 2009)
    y.on(date(2010, 9, 1))
    y.neet(BIRMINGHAM, "2010-Q1", 11.5)
    y.neet(BIRMINGHAM, "2010-Q2", 11.9)
    y.on(date(2010, 12, 9))
    return y, y.auth("government_office:west_midlands")


def test_a_red_flag_published_for_the_second_cycle_running_opens_a_ladder_case(
    second_year: tuple[Year, dict[str, str]],
) -> None:
    y, go = second_year

    cases = y.client.get("/v1/ladder/cases", headers=go).get_json()
    elsewhere = y.client.get("/v1/ladder/cases", headers=y.auth("government_office:london"))
    summary = y.client.get(f"/v1/areas/{BIRMINGHAM}/ladder").get_json()

    assert [(c["case_id"], c["opened_on"]) for c in cases] == [
        (f"{BIRMINGHAM}:{CYP}", "2010-12-09")
    ]
    assert "2009 and 2010" in cases[0]["opened_because"]
    assert len(cases[0]["evidence"]) == 4
    assert elsewhere.get_json() == []
    assert summary == [
        {
            "body": BIRMINGHAM,
            "theme": CYP,
            "rung": None,
            "since": "2010-12-09",
            "opened_on": "2010-12-09",
        }
    ]
    assert y.client.get("/v1/ladder/cases", headers=y.auth("integrator")).status_code == 403


def test_rungs_in_order_skipping_with_a_reason_and_an_improvement_notice_missed_as_data_arrives(
    second_year: tuple[Year, dict[str, str]],
) -> None:
    y, go = second_year
    url = f"/v1/ladder/cases/{BIRMINGHAM}:{CYP}/rungs"

    skipped = y.client.post(url, json={"rung": "go_action", "reason": "coordinate"}, headers=go)
    assert skipped.status_code == 409
    assert "sector_support" in skipped.get_json()["message"]
    by_council = y.client.post(
        url, json={"rung": "sector_support", "reason": "x"}, headers=y.auth(f"council:{BIRMINGHAM}")
    )
    assert by_council.status_code == 403
    taken = y.client.post(
        url, json={"rung": "sector_support", "reason": "a peer challenge offered"}, headers=go
    )
    assert taken.status_code == 201
    assert taken.get_json()["rungs"][0]["by"]["role"] == "government_office:west_midlands"

    notice = {
        "rung": "improvement_notice",
        "reason": "NEET has been over the floor for two years",
        "out_of_order_reason": "severity: two years over the floor with no recovery plan",
        "milestones": [
            {"indicator": "NI 117", "value": 8.0, "by": "2011-06-30"},
            {"indicator": "NI 999", "value": 1.0, "by": "2011-06-30"},
        ],
    }
    unknown = y.client.post(url, json=notice, headers=go)
    assert unknown.status_code == 400
    assert "milestones.1.indicator" in unknown.get_json()["errors"]
    notice["milestones"] = [
        {"indicator": "NI 117", "value": 8.0, "by": "2011-06-30"},
        {"indicator": "NI 117", "value": 12.0, "by": "2011-06-30"},
    ]
    served = y.client.post(url, json=notice, headers=go)
    assert served.status_code == 201, served.get_json()
    assert served.get_json()["rungs"][-1]["out_of_order_reason"].startswith("severity")

    y.on(date(2011, 4, 20))
    q1 = y.neet(BIRMINGHAM, "2011-Q1", 11.0)
    pending = y.client.get(f"/v1/ladder/cases/{BIRMINGHAM}:{CYP}", headers=go).get_json()
    assert [m["status"] for m in pending["milestones"]] == ["pending", "met"]
    assert pending["milestones"][1]["evidence"] == [q1]
    y.on(date(2011, 7, 1))
    q2 = y.neet(BIRMINGHAM, "2011-Q2", 10.5)

    case = y.client.get(f"/v1/ladder/cases/{BIRMINGHAM}:{CYP}", headers=go).get_json()

    assert [m["status"] for m in case["milestones"]] == ["missed", "met"]
    assert case["milestones"][0]["evidence"] == [q1, q2]
    assert case["suggestion"]["rung"] == "direction"
    assert "NI 117 to reach 8 by 2011-06-30" in case["suggestion"]["because"]
    assert case["suggestion"]["evidence"] == [q1, q2]
    summary = y.client.get(f"/v1/areas/{BIRMINGHAM}/ladder").get_json()
    assert (summary[0]["rung"], summary[0]["since"]) == ("improvement_notice", "2010-12-09")


def test_the_inspection_rung_proposes_an_inspection_to_the_gatekeeper(
    second_year: tuple[Year, dict[str, str]],
) -> None:
    y, go = second_year
    url = f"/v1/ladder/cases/{BIRMINGHAM}:{CYP}/rungs"
    before = len(y.system.bus.read_all(topics.REQUESTS))

    taken = y.client.post(
        url,
        json={"rung": "inspection", "reason": "no improvement", "out_of_order_reason": "severity"},
        headers=go,
    ).get_json()

    requests = [json.loads(r.value) for r in y.system.bus.read_all(topics.REQUESTS)][before:]
    assert [r["event_id"] for r in requests] == [taken["rungs"][-1]["request_id"]]
    assert requests[0]["payload"]["origin"] == "government_office"
    assert requests[0]["payload"]["inspectorate"] == "ofsted"


HARTLEPOOL, MIDDLESBROUGH = "E06000001", "E06000002"


def _event(kind: str, body: str, payload: dict[str, Any], at: str) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "type": kind,
        "occurred_at": f"{at}T09:00:00+00:00",
        "source": "test",
        "body": body,
        "payload": payload,
    }


def test_a_council_whose_direction_of_travel_is_1_in_a_published_year_is_put_on_the_ladder(
    year: Year,
) -> None:
    """Hartlepool agreed to raise adult participation in sport (NI 8, higher is better) from
    20 to 26 in 2009-10; it falls every quarter instead: no indicator improving and the one
    LAA target behind score Direction of Travel 1, "not improving adequately"."""
    y = year
    y.on(date(2009, 11, 10))
    agreement = {
        "period_start": "2008-09",
        "period_end": "2010-11",
        "effective_from": "2008-06-30",
        "targets": [
            {
                "indicator": "NI 8",
                "kind": "designated",
                "baseline": {"period": "2007-08", "value": 19},
                "trajectory": [
                    {"period": "2008-09", "value": 20},
                    {"period": "2009-10", "value": 26},
                    {"period": "2010-11", "value": 28},
                ],
                "lead_partner": HARTLEPOOL,
                "partners": [],
            }
        ],
    }
    falling = [
        _event("indicator.reported", HARTLEPOOL, {"indicator": "NI 8", "period": q, "value": v}, at)
        for q, v, at in (
            ("2009-Q1", 20.0, "2009-04-30"),
            ("2009-Q2", 19.0, "2009-07-30"),
            ("2009-Q3", 18.0, "2009-10-30"),
        )
    ]
    posted = y.client.post(
        "/v1/events",
        json=[_event("laa.agreed", HARTLEPOOL, agreement, "2009-01-05"), *falling],
        headers=y.auth("integrator"),
    )
    assert posted.status_code == 202, posted.get_json()
    y.system.pump()
    gatekeeper, council = y.auth("gatekeeper"), y.auth(f"council:{HARTLEPOOL}")

    y.on(date(2009, 12, 8))  # scored 1 in the draft, but not yet published: no case
    draft = y.client.get(f"/v1/areas/{HARTLEPOOL}/assessment?year=2009", headers=council)
    assert draft.get_json()["organisations"][HARTLEPOOL]["direction_of_travel"]["score"] == 1
    assert y.client.get("/v1/ladder/cases", headers=gatekeeper).get_json() == []

    y.on(date(2009, 12, 9))
    travel = y.public(HARTLEPOOL, 2009)["organisations"][HARTLEPOOL]["direction_of_travel"]
    seen = {
        role: y.client.get("/v1/ladder/cases", headers=y.auth(role)).get_json()
        for role in (f"council:{HARTLEPOOL}", "gatekeeper", f"council:{MIDDLESBROUGH}")
    }
    summary = y.client.get(f"/v1/areas/{HARTLEPOOL}/ladder").get_json()

    assert (travel["score"], travel["evidence"]["indicators_improving"]) == (1, 0)
    assert travel["evidence"]["laa_on_track_share"] == 0.0
    case = seen[f"council:{HARTLEPOOL}"][0]
    assert seen["gatekeeper"] == [case]
    assert seen[f"council:{MIDDLESBROUGH}"] == []
    assert (case["case_id"], case["theme"], case["opened_on"]) == (
        f"{HARTLEPOOL}:direction_of_travel",
        "direction_of_travel",
        "2009-12-09",
    )
    assert case["opened_because"] == (f"Direction of Travel scored 1 for 2009: {travel['reason']}")
    assert "0 of 1 indicators improving" in case["opened_because"]
    assert case["grounds"] == travel["evidence"]
    assert summary == [
        {
            "body": HARTLEPOOL,
            "theme": "direction_of_travel",
            "rung": None,
            "since": "2009-12-09",
            "opened_on": "2009-12-09",
        }
    ]
