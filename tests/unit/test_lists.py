"""Lists as API users meet them: a bounded page at a time with flask-smorest's `X-Pagination`
metadata and a `Link` header, filterable, and the areas with their councils for the public."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from riskgate.bootstrap import System, bootstrap
from riskgate.config import Settings
from riskgate.entrypoints.http import create_app
from riskgate.entrypoints.http.bounds import MAX_PAGE_SIZE, PAGE_SIZE

ROOT = Path(__file__).resolve().parents[2]
HAMPSHIRE = "E10000014"
SANDWELL, DUDLEY = "E08000028", "E08000027"


@pytest.fixture
def system(tmp_path: Path) -> System:
    return bootstrap(Settings(rules_dir=ROOT / "rules", home=tmp_path, today=date(2009, 10, 1)))


@pytest.fixture
def client(system: System) -> FlaskClient:
    return create_app(system).test_client()


def _metadata(response: TestResponse) -> dict[str, Any]:
    assert response.status_code == 200, response.get_json()
    return dict(json.loads(response.headers["X-Pagination"]))


def _list(client: FlaskClient, url: str, headers: dict[str, str] | None = None) -> list[Any]:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_json()
    return list(response.get_json())


def _links(response: TestResponse) -> dict[str, str]:
    """rel -> URL from an RFC 8288 Link header."""
    return {
        rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers["Link"])
    }


# --- GET /v1/areas -----------------------------------------------------------------------------


def test_the_areas_come_a_page_at_a_time_with_metadata_and_links(client: FlaskClient) -> None:
    first = client.get("/v1/areas")
    assert len(first.get_json()) == PAGE_SIZE
    assert _metadata(first) == {
        "total": 152, "total_pages": 4, "first_page": 1, "last_page": 4, "page": 1, "next_page": 2,
    }  # fmt: skip
    links = _links(first)
    assert set(links) == {"first", "next", "last"}
    assert links["next"] == "http://localhost/v1/areas?page=2"
    assert links["last"] == "http://localhost/v1/areas?page=4"

    last = client.get(links["last"])
    assert len(last.get_json()) == 152 - 3 * PAGE_SIZE
    assert _metadata(last)["previous_page"] == 3
    assert set(_links(last)) == {"first", "prev", "last"}
    codes = [a["code"] for page in (1, 2, 3, 4) for a in _list(client, f"/v1/areas?page={page}")]
    assert len(codes) == len(set(codes)) == 152, "the pages neither overlap nor skip"


def test_a_link_keeps_the_filters_and_the_page_size(client: FlaskClient) -> None:
    response = client.get("/v1/areas?region=London&page_size=10")
    assert _metadata(response)["total"] == 33
    next_url = _links(response)["next"]
    assert next_url == "http://localhost/v1/areas?region=London&page_size=10&page=2"
    assert all(a["region"] == "London" for a in _list(client, next_url))


def test_the_page_size_is_bounded(client: FlaskClient) -> None:
    everything = client.get(f"/v1/areas?page_size={MAX_PAGE_SIZE}")
    assert len(everything.get_json()) == 152
    for bad in (f"page_size={MAX_PAGE_SIZE + 1}", "page_size=0", "page=0", "page=two"):
        refused = client.get(f"/v1/areas?{bad}")
        assert refused.status_code == 400, bad
        body = refused.get_json()
        assert set(body) == {"code", "status", "message", "errors"}
        assert bad.split("=")[0] in body["errors"]["query"], body


def test_a_page_past_the_end_is_empty_and_says_where_the_end_is(client: FlaskClient) -> None:
    response = client.get("/v1/areas?page=9")
    assert response.get_json() == []
    assert _metadata(response)["last_page"] == 4
    assert _links(response)["last"].endswith("page=4")


def test_an_area_lists_its_councils_lead_first(client: FlaskClient) -> None:
    [hampshire] = client.get("/v1/areas?q=hampshire").get_json()
    assert hampshire["code"] == HAMPSHIRE and hampshire["region"] == "South East"
    councils = hampshire["councils"]
    assert councils[0] == {"code": HAMPSHIRE, "name": "Hampshire", "kind": "county"}
    assert len(councils) == 12  # the county and its eleven districts
    assert {c["kind"] for c in councils[1:]} == {"district"}


def test_areas_are_searchable_by_code_name_or_council_and_filterable_by_region(
    client: FlaskClient,
) -> None:
    assert [a["code"] for a in _list(client, f"/v1/areas?q={HAMPSHIRE.lower()}")] == [HAMPSHIRE]
    # Winchester is a district: the search finds the area it belongs to
    assert [a["code"] for a in _list(client, "/v1/areas?q=Winchester")] == [HAMPSHIRE]
    west_midlands = _list(client, "/v1/areas?region=West%20Midlands&page_size=100")
    assert {SANDWELL, DUDLEY} <= {a["code"] for a in west_midlands}
    assert {a["region"] for a in west_midlands} == {"West Midlands"}
    refused = client.get("/v1/areas?region=Atlantis")
    assert refused.status_code == 400
    assert "region" in refused.get_json()["errors"]["query"]


# --- the gatekeeper's lists --------------------------------------------------------------------


def _propose(client: FlaskClient, headers: dict[str, str], body: str, inspectorate: str) -> None:
    theme = "children_and_young_people" if inspectorate == "ofsted" else "healthier_communities_and_older_people"  # fmt: skip
    proposal = {
        "body": body, "inspectorate": inspectorate, "theme": theme, "origin": "department",
        "reason": "A department is concerned", "window_start": "2009-10-05",
        "window_end": "2009-12-31", "on_site_days": 3,
    }  # fmt: skip
    response = client.post("/v1/inspection-requests", json=proposal, headers=headers)
    assert response.status_code == 202, response.get_json()


@pytest.fixture
def gatekeeper(system: System, client: FlaskClient) -> dict[str, str]:
    """The gatekeeper's headers, after three proposals: two at Sandwell, one at Dudley."""
    headers = {"Authorization": f"Bearer {system.tokens.create('gatekeeper')}"}
    _propose(client, headers, SANDWELL, "ofsted")
    _propose(client, headers, SANDWELL, "cqc")
    _propose(client, headers, DUDLEY, "ofsted")
    system.pump()
    return headers


def _ids(client: FlaskClient, url: str, headers: dict[str, str], key: str) -> list[str]:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_json()
    return [item[key] for item in response.get_json()]


def test_the_decisions_filter_by_body_area_inspectorate_outcome_and_day(
    client: FlaskClient, gatekeeper: dict[str, str]
) -> None:
    every = client.get("/v1/decisions", headers=gatekeeper).get_json()
    assert len(every) == 3
    by_id = {d["decision_id"]: d for d in every}

    def ids(query: str) -> set[str]:
        return set(_ids(client, f"/v1/decisions?{query}", gatekeeper, "decision_id"))

    assert {by_id[i]["body"] for i in ids(f"body={SANDWELL}")} == {SANDWELL}
    assert len(ids(f"body={SANDWELL}")) == 2
    assert {by_id[i]["inspectorate"] for i in ids("inspectorate=cqc")} == {"cqc"}
    assert len(ids(f"body={SANDWELL}&inspectorate=ofsted")) == 1
    assert ids(f"area={DUDLEY}") == {d["decision_id"] for d in every if d["area"] == DUDLEY}
    outcome = every[0]["outcome"]
    assert ids(f"outcome={outcome}") == {d["decision_id"] for d in every if d["outcome"] == outcome}
    assert ids("since=2009-10-01") == set(by_id)
    assert ids("since=2009-10-02") == set()
    refused = client.get("/v1/decisions?outcome=maybe", headers=gatekeeper)
    assert refused.status_code == 400 and "outcome" in refused.get_json()["errors"]["query"]


def test_the_requests_page_and_filter(client: FlaskClient, gatekeeper: dict[str, str]) -> None:
    page = client.get("/v1/inspection-requests?page_size=2", headers=gatekeeper)
    assert len(page.get_json()) == 2
    assert _metadata(page)["total"] == 3 and _metadata(page)["next_page"] == 2
    assert "page_size=2&page=2" in _links(page)["next"]
    at_sandwell = _ids(client, f"/v1/inspection-requests?body={SANDWELL}", gatekeeper, "body")
    assert at_sandwell == [SANDWELL, SANDWELL]
    assert _ids(client, "/v1/inspection-requests?since=2009-12-01", gatekeeper, "body") == []


def test_an_inspectorates_work_and_the_register_filter_by_body(
    system: System, client: FlaskClient, gatekeeper: dict[str, str]
) -> None:
    ofsted = {"Authorization": f"Bearer {system.tokens.create('inspectorate:ofsted')}"}
    work = client.get("/v1/inspectorates/ofsted/work", headers=ofsted)
    assert _metadata(work)["total"] == len(work.get_json())
    assert {item["body"] for item in work.get_json()} == {SANDWELL, DUDLEY}
    at_dudley = _list(client, f"/v1/inspectorates/ofsted/work?body={DUDLEY}", headers=ofsted)
    assert [item["body"] for item in at_dudley] == [DUDLEY]
    # an inspection's inspectorate is its lead (CQC's Sandwell request joined Ofsted's visit)
    every = client.get("/v1/inspections", headers=gatekeeper).get_json()
    by_ofsted = client.get("/v1/inspections?inspectorate=ofsted", headers=gatekeeper).get_json()
    assert by_ofsted == [i for i in every if i["lead_inspectorate"] == "ofsted"] != []
    assert client.get("/v1/inspections?inspectorate=hmic", headers=gatekeeper).get_json() == []


# --- the citizens' lists -----------------------------------------------------------------------


def test_the_petitions_and_calls_for_action_filter_by_area_and_day(tmp_path: Path) -> None:
    from riskgate.sample.stories import scripted_stories

    system = bootstrap(Settings(rules_dir=ROOT / "rules", home=tmp_path, today=date(2009, 12, 31)))
    events = sorted(
        (e for _, story in scripted_stories(2009, 2009) for e in story),
        key=lambda e: (e["occurred_at"], e["event_id"]),
    )
    assert not system.ingest.submit(events).errors
    system.pump()
    client = create_app(system).test_client()

    petitions = _list(client, "/v1/petitions?page_size=500")
    cases = _list(client, "/v1/calls-for-action?page_size=500")
    assert petitions and cases
    area = petitions[0]["area"]
    assert _list(client, f"/v1/petitions?area={area}") == [
        p for p in petitions if p["area"] == area
    ]
    day = sorted(p["submitted_on"] for p in petitions)[-1]
    assert _list(client, f"/v1/petitions?since={day}") == [
        p for p in petitions if p["submitted_on"] >= day
    ]
    area = cases[-1]["area"]
    assert _list(client, f"/v1/calls-for-action?area={area}") == [
        c for c in cases if c["area"] == area
    ]
    # each filter leaves something out
    assert {p["area"] for p in petitions} == {"E10000017"}  # the stories' petitions: Lancashire
    assert _list(client, f"/v1/petitions?area={HAMPSHIRE}") == []
    assert len({c["area"] for c in cases}) > 1
    after = (date.fromisoformat(day) + timedelta(days=1)).isoformat()
    assert _list(client, f"/v1/petitions?since={after}") == []
