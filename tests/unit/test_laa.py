"""Local Area Agreements through the API on the embedded default: the agreement refused with
reasons, a target falling behind flagged red, the annual report beside the data, local targets
kept to the area, Direction of Travel beside Use of Resources, and the exports with their
dictionaries."""

from __future__ import annotations

import csv
import io
import json
import random
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from riskgate.adapters.durable_engine import engine_for
from riskgate.bootstrap import System, bootstrap
from riskgate.config import Settings
from riskgate.domain import laa
from riskgate.domain.rules import rule_fires
from riskgate.entrypoints.http import create_app
from riskgate.service_layer import exports
from riskgate.service_layer.rules_source import load_ruleset
from tests.conftest import ROOT

HARTLEPOOL = "E06000001"  # North East
MIDDLESBROUGH = "E06000002"
SAFER = "safer_and_stronger_communities"
QUARTERS = ("2009-Q1", "2009-Q2", "2009-Q3", "2009-Q4")


@dataclass
class Api:
    system: System
    client: FlaskClient

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.system.tokens.create(role)}"}

    def post(self, events: list[dict[str, Any]], role: str = "integrator") -> Any:
        answer = self.client.post("/v1/events", json=events, headers=self.auth(role))
        self.system.pump()
        return answer


@pytest.fixture
def api(tmp_path: Path) -> Api:
    system = bootstrap(Settings(rules_dir=ROOT / "rules", home=tmp_path, today=date(2010, 2, 1)))
    app = create_app(system)
    app.config["TESTING"] = True
    return Api(system, app.test_client())


def _event(kind: str, body: str, payload: dict[str, Any], at: str) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "type": kind,
        "occurred_at": at,
        "source": "test",
        "body": body,
        "payload": payload,
    }


def _target(indicator: str, kind: str, values: tuple[float, ...], **extra: Any) -> dict[str, Any]:
    base, *years = values
    return {
        "indicator": indicator,
        "kind": kind,
        "baseline": {"period": "2007-08", "value": base},
        "trajectory": [
            {"period": p, "value": v}
            for p, v in zip(("2008-09", "2009-10", "2010-11"), years, strict=False)
        ],
        "lead_partner": HARTLEPOOL,
        "partners": ["E23000013"],
        **extra,
    }


def _agreement(
    targets: list[dict[str, Any]], body: str = HARTLEPOOL, **extra: Any
) -> dict[str, Any]:
    payload = {
        "period_start": "2008-09",
        "period_end": "2010-11",
        "effective_from": "2008-06-30",
        "targets": targets,
        **extra,
    }
    return _event("laa.agreed", body, payload, "2009-01-05T09:00:00+00:00")


def _values(body: str, indicator: str, values: tuple[float, ...]) -> list[dict[str, Any]]:
    times = ("2009-04-30", "2009-07-30", "2009-10-30", "2010-01-30")
    return [
        _event(
            "indicator.reported",
            body,
            {"indicator": indicator, "period": q, "value": v},
            f"{t}T09:00:00+00:00",
        )
        for q, t, v in zip(QUARTERS, times, values, strict=True)
    ]


def _report(statuses: dict[str, str]) -> dict[str, Any]:
    targets = [{"indicator": i, "status": s} for i, s in statuses.items()]
    return _event(
        "laa.annual_report",
        HARTLEPOOL,
        {"year": 2009, "targets": targets},
        "2009-12-15T09:00:00+00:00",
    )


# Hartlepool agreed NI 8 from 19 to 20 (2008-09) and 26 (2009-10), and stayed at 20.
BEHIND = _target("NI 8", "designated", (19, 20, 26, 28))
LOCAL = _target("NI 4", "local", (40, 41, 50, 55))


def _behind_year(api: Api) -> None:
    answer = api.post(
        [
            _agreement([BEHIND, LOCAL]),
            *_values(HARTLEPOOL, "NI 8", (20, 20, 20, 20)),
            *_values(HARTLEPOOL, "NI 4", (41, 41, 41, 41)),
            _report({"NI 8": "on_track", "NI 4": "on_track"}),
        ]
    )
    assert answer.status_code == 202, answer.get_json()


# --- bad input -------------------------------------------------------------------------------


def _refused(api: Api, event: dict[str, Any]) -> dict[str, Any]:
    answer = api.post([event])
    assert answer.status_code == 400, answer.get_json()
    errors: dict[str, Any] = answer.get_json()["errors"]["0"]["payload"]
    return errors


def test_36_designated_targets_are_refused_naming_targets(api: Api) -> None:
    numbers = [n for n in range(1, 38) if n != 31]  # NI 31 left the set
    targets = [_target(f"NI {n}", "designated", (10, 11, 12, 13)) for n in numbers]
    errors = _refused(api, _agreement(targets))
    assert errors["targets"]["_schema"] == ["36 designated targets: at most 35 (White Paper 6.39)"]
    assert api.post([_agreement(targets[:35])]).status_code == 202


def test_an_indicator_outside_the_nis_is_refused_at_its_target(api: Api) -> None:
    errors = _refused(api, _agreement([BEHIND, _target("NI 31", "designated", (1, 2, 3, 4))]))
    assert "not in the National Indicator Set" in errors["targets"]["1"]["indicator"][0]


def test_a_target_year_outside_the_agreement_is_refused_at_its_period(api: Api) -> None:
    late = _target("NI 5", "designated", (1, 2, 3, 4))
    late["trajectory"][2]["period"] = "2011-12"
    errors = _refused(api, _agreement([late]))
    assert errors["targets"]["0"]["trajectory"]["2"]["period"] == [
        "2011-12 is outside the agreement's period"
    ]


def test_the_same_indicator_twice_is_refused_at_the_second(api: Api) -> None:
    errors = _refused(api, _agreement([BEHIND, {**LOCAL, "indicator": "NI 8"}]))
    assert errors["targets"]["1"]["indicator"] == [
        "NI 8 is already target 0: one target per indicator"
    ]


def test_a_wrong_polarity_trajectory_is_accepted_with_a_warning_in_the_review(api: Api) -> None:
    worse = _target("NI 8", "designated", (30, 29, 28, 27))  # higher is better, yet falling
    assert api.post([_agreement([worse])]).status_code == 202
    review = api.client.get(f"/v1/areas/{HARTLEPOOL}/laa?year=2009").get_json()
    assert review["warnings"] == [
        "targets.0 (NI 8): the trajectory gets worse in 2008-09 (30 to 29) although higher is better"
    ]


def test_riskgate_publish_warns_about_a_wrong_polarity_trajectory(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from riskgate.entrypoints.cli import main

    worse = _target("NI 8", "designated", (30, 29, 28, 27))
    source = tmp_path / "laa.jsonl"
    source.write_text(
        json.dumps(_agreement([BEHIND])) + "\n" + json.dumps(_agreement([worse])) + "\n"
    )
    result = CliRunner().invoke(
        main, ["publish", str(source), "--url", "http://127.0.0.1:9", "--token", "rg_x"]
    )
    assert (
        f"warning: {source}:2: laa.agreed for {HARTLEPOOL}: targets.0 (NI 8): the trajectory "
        "gets worse in 2008-09 (30 to 29) although higher is better"
    ) in result.output
    assert ":1:" not in result.output.split("warning")[1]  # the first agreement is fine


def test_a_government_office_publishes_only_for_its_own_region(api: Api) -> None:
    mine = api.post([_agreement([BEHIND])], role="government_office:north_east")
    assert mine.status_code == 202
    other = api.post([_agreement([BEHIND])], role="government_office:london")
    assert other.status_code == 403
    assert "speaks for london only" in other.get_json()["errors"]["0"]["body"][0]
    finding = api.post(
        [
            _event(
                "use_of_resources.scored",
                HARTLEPOOL,
                {"year": 2009, "score": 3},
                "2009-11-01T09:00:00+00:00",
            )
        ],
        role="government_office:north_east",
    )
    assert finding.status_code == 403  # only the LAA types


# --- performance against the trajectory --------------------------------------------------------


def test_a_designated_target_behind_two_quarters_running_flags_its_theme_red(api: Api) -> None:
    _behind_year(api)
    assessment = api.client.get(f"/v1/areas/{HARTLEPOOL}/assessment?year=2009").get_json()
    safer = assessment["themes"][SAFER]
    assert safer["flag"] == "red"
    assert safer["rule_ids"] == ["LAA-BEHIND-2P"]
    assert "LAA target NI 8" in safer["narrative"]
    assert "NI 4" not in json.dumps(assessment)  # the local target is the area's own
    requests = api.system.gatekeeper.requests()
    assert [(r["area"], r["inspectorate"], r["rule_ids"]) for r in requests] == [
        (HARTLEPOOL, "hmic", ["LAA-BEHIND-2P"])
    ]


def test_the_assessment_shows_the_annual_report_beside_the_data(api: Api) -> None:
    _behind_year(api)
    section = api.client.get(f"/v1/areas/{HARTLEPOOL}/assessment?year=2009").get_json()["laa"]
    assert section["disagreements"] == ["NI 8: reported on track; the data says behind"]
    (row,) = section["targets"]
    assert (row["status"], row["reported_status"]) == ("behind", "on_track")


def test_the_review_view_gives_status_gap_partners_and_risks(api: Api) -> None:
    _behind_year(api)
    review = api.client.get(f"/v1/areas/{HARTLEPOOL}/laa?year=2009").get_json()
    (row,) = review["targets"]  # public: no local target
    assert row["indicator"] == "NI 8" and row["lead_partner"] == HARTLEPOOL
    assert row["partners"] == ["E23000013"]
    # Q4 2009 is 9 months into 2009-10: 20 + (26 - 20) * 9 / 12 = 24.5 expected; 20 reported.
    assert (row["expected"], row["actual"], row["gap"], row["status"]) == (24.5, 20, -4.5, "behind")
    assert [p["status"] for p in row["periods"]] == ["on_track", "behind", "behind", "behind"]
    assert "behind the trajectory 3 quarter(s) running" in row["risks"]
    assert "the area's own report is more optimistic than the data" in row["risks"]
    assert review["disagreements"] == [
        {"indicator": "NI 8", "says": "reported on track; the data says behind"}
    ]
    own = api.client.get(
        f"/v1/areas/{HARTLEPOOL}/laa?year=2009", headers=api.auth(f"council:{HARTLEPOOL}")
    ).get_json()
    assert [t["indicator"] for t in own["targets"]] == ["NI 8", "NI 4"]
    other = api.client.get(
        f"/v1/areas/{HARTLEPOOL}/laa?year=2009", headers=api.auth(f"council:{MIDDLESBROUGH}")
    ).get_json()
    assert [t["indicator"] for t in other["targets"]] == ["NI 8"]


def test_a_target_well_ahead_flags_green(api: Api) -> None:
    ahead = {**_target("NI 8", "designated", (24, 25, 26, 27)), "lead_partner": MIDDLESBROUGH}
    api.post([_agreement([ahead], body=MIDDLESBROUGH), *_values(MIDDLESBROUGH, "NI 8", (30,) * 4)])
    safer = api.system.risk.assessment(MIDDLESBROUGH, 2009)[SAFER]
    assert (safer["flag"], safer["rule_ids"]) == ("green", ["LAA-WELL-AHEAD"])


def test_a_refresh_applies_from_its_date_and_earlier_judgements_keep_their_version(
    api: Api,
) -> None:
    _behind_year(api)
    before = api.system.risk.assessment(HARTLEPOOL, 2009)[SAFER]
    agreed_id = api.system.risk.laa.agreement(HARTLEPOOL)["event_id"]  # type: ignore[index]
    eased = _target("NI 8", "designated", (19, 20, 20.5, 21))
    refresh = _event(
        "laa.refreshed",
        HARTLEPOOL,
        {"period_start": "2008-09", "period_end": "2010-11", "effective_from": "2010-02-01",
         "targets": [eased]},
        "2010-02-01T09:00:00+00:00",
    )  # fmt: skip
    assert api.post([refresh]).status_code == 202
    after = api.system.risk.assessment(HARTLEPOOL, 2009)[SAFER]
    assert before["flag"] == "red" and after["flag"] is None  # on track under the refresh
    messages = [json.loads(r.value) for r in api.system.bus.read_all("risk.judgements.v1")]
    published = [
        m["payload"] for m in messages
        if m["type"] == "risk.judgement" and m["payload"]["theme"] == SAFER
    ]  # fmt: skip
    assert published[0]["flag"] == "red" and published[-1]["flag"] is None
    assert before["evidence"] and all(e["rule_id"] == "LAA-BEHIND-2P" for e in before["evidence"])
    versions = {v["event_id"] for v in api.system.risk.laa._facts.versions(HARTLEPOOL)}
    assert agreed_id in versions and refresh["event_id"] in versions
    assert api.system.risk.laa.agreement(HARTLEPOOL)["event_id"] == refresh["event_id"]  # type: ignore[index]


# --- Direction of Travel and open data ---------------------------------------------------------


def test_direction_of_travel_is_published_beside_use_of_resources(api: Api) -> None:
    _behind_year(api)
    api.post([
        _event("use_of_resources.scored", HARTLEPOOL, {"year": 2009, "score": 3},
               "2009-11-01T09:00:00+00:00"),
    ])  # fmt: skip
    organisation = api.client.get(f"/v1/areas/{HARTLEPOOL}/assessment?year=2009").get_json()[
        "organisations"
    ][HARTLEPOOL]
    assert organisation["use_of_resources"] == 3
    travel = organisation["direction_of_travel"]
    assert travel["score"] in (1, 2, 3, 4)
    # Both indicators are flat over the year: none improving; the one reported target behind.
    assert travel["evidence"]["indicators_improving"] == 0
    assert travel["evidence"]["laa_on_track_share"] == 0.0
    assert travel["score"] == 1 and travel["label"] == "not improving adequately"


def test_a_partner_scored_for_use_of_resources_is_published_with_its_area(api: Api) -> None:
    police = "E23000013"
    register = _event(
        "body.registered",
        police,
        {"name": "Cleveland Police Authority", "kind": "police_authority", "area": HARTLEPOOL},
        "2009-01-02T09:00:00+00:00",
    )
    assert api.post([register], role="admin").status_code == 202
    score = _event("use_of_resources.scored", police, {"year": 2009, "score": 2},
                   "2009-11-01T09:00:00+00:00")  # fmt: skip
    assert api.post([score]).status_code == 202
    organisations = api.client.get(f"/v1/areas/{HARTLEPOOL}/assessment?year=2009").get_json()[
        "organisations"
    ]
    assert organisations[police]["use_of_resources"] == 2


def test_the_indicators_view_gives_series_target_quartile_and_peer_position(api: Api) -> None:
    _behind_year(api)
    api.post(_values(MIDDLESBROUGH, "NI 8", (30,) * 4))
    view = api.client.get(f"/v1/areas/{HARTLEPOOL}/indicators?year=2009").get_json()
    rows = {r["indicator"]: r for r in view["indicators"]}
    assert set(rows) == {"NI 8", "NI 4"}
    assert rows["NI 8"]["target"]["trajectory"][1] == {"period": "2009-10", "value": 26}
    assert rows["NI 4"]["target"] is None  # a local target is not published
    assert rows["NI 8"]["peer_position"] == {"rank": 2, "of": 2, "peer_group": "unitary"}
    assert rows["NI 8"]["national_quartile"] == 3
    assert [p["value"] for p in rows["NI 8"]["series"]] == [20, 20, 20, 20]


def test_a_local_target_never_appears_in_an_export(api: Api) -> None:
    _behind_year(api)
    for name in exports.EXPORTS:
        for fmt in exports.FORMATS:
            answer = api.client.get(f"/v1/exports/2009/{name}.{fmt}")
            assert answer.status_code == 200, (name, fmt)
            text = answer.get_data(as_text=True)
            if name == "laa":
                assert "NI 8" in text and "NI 4" not in text
    laa_rows = json.loads(api.client.get("/v1/exports/2009/laa.json").get_data())["rows"]
    assert [(r["indicator"], r["status"], r["reported_status"]) for r in laa_rows] == [
        ("NI 8", "behind", "on_track")
    ]


def test_every_export_validates_against_its_dictionary(api: Api) -> None:
    _behind_year(api)
    api.system.pump()
    for name in exports.EXPORTS:
        dictionary = api.client.get(f"/v1/exports/2009/{name}.dictionary.json").get_json()
        columns = {c["name"]: c["type"] for c in dictionary["columns"]}
        rows = json.loads(api.client.get(f"/v1/exports/2009/{name}.json").get_data())["rows"]
        assert name == "decisions" or rows, name
        assert exports.problems(name, rows) == []
        for row in rows:
            assert set(row) == set(columns)
        header = next(
            csv.reader(
                io.StringIO(api.client.get(f"/v1/exports/2009/{name}.csv").get_data(as_text=True))
            )
        )
        assert header == list(columns)
    broken = [{"area": HARTLEPOOL, "indicator": "NI 8", "period": "2009-Q1", "value": "high"}]
    assert exports.problems("indicators", broken) == ["row 0: value is not a number: 'high'"]
    assert api.client.get("/v1/exports/2009/complaints.json").status_code == 404


# --- the engine agrees with the reference semantics on LAA observations --------------------------


def test_durable_rules_and_the_reference_semantics_agree_on_laa_observations() -> None:
    ruleset = load_ruleset(ROOT / "rules")
    engine = engine_for(ruleset)
    rng = random.Random(2009)
    fired: set[str] = set()
    for _ in range(300):
        observation = {
            "observation": laa.OBSERVATION,
            "theme": SAFER,
            "kind": rng.choice(laa.TARGET_KINDS),
            "status": rng.choice(laa.STATUSES),
            "gap_pct": rng.choice([-12.0, -5.0, 0.0, 9.9, 10.0, 25.0]),
            "periods_behind_running": rng.randint(0, 4),
        }
        expected = [r.id for r in ruleset.rules if rule_fires(r, observation)]
        assert engine.fired(observation) == expected, observation
        fired.update(expected)
    assert fired == {"LAA-BEHIND-2P", "LAA-WELL-AHEAD"}


def test_the_trajectory_is_interpolated_within_the_year() -> None:
    points = laa.trajectory_points(BEHIND)
    assert laa.expected_at(points, laa.quarter_end_month("2009-Q1")) == 20
    assert laa.expected_at(points, laa.quarter_end_month("2009-Q3")) == 23
    reading = laa.Reading("2009-Q1", 18.0, "e")
    assert laa.reading_status(BEHIND, reading, "higher_is_better", 5.0)["status"] == "missed"
    lower = laa.reading_status(BEHIND, reading, "lower_is_better", 5.0)
    assert (lower["status"], lower["gap"]) == ("ahead", 2.0)


def test_riskgate_export_writes_every_file_with_its_dictionary(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from riskgate.entrypoints.cli import main

    events = [
        _agreement([BEHIND, LOCAL]),
        *_values(HARTLEPOOL, "NI 8", (20, 20, 20, 20)),
        *_values(HARTLEPOOL, "NI 4", (41, 41, 41, 41)),
        _report({"NI 8": "on_track", "NI 4": "on_track"}),
    ]
    source = tmp_path / "events.jsonl"
    source.write_text("".join(json.dumps(e) + "\n" for e in events))
    out = tmp_path / "open-data"
    result = CliRunner().invoke(
        main, ["export", "--year", "2009", "--out", str(out), "--events", str(source)]
    )
    assert result.exit_code == 0, result.output
    assert "laa: 1 rows" in result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        f"{n}.{ext}" for n in exports.EXPORTS for ext in ("csv", "json", "dictionary.json")
    )
    for name in exports.EXPORTS:
        document = json.loads((out / f"{name}.json").read_text())
        assert exports.problems(name, document["rows"]) == []
        dictionary = json.loads((out / f"{name}.dictionary.json").read_text())
        assert [c["name"] for c in dictionary["columns"]] == document["columns"]
    assert "NI 4" not in (out / "laa.csv").read_text()
    travel = [
        r for r in json.loads((out / "judgements.json").read_text())["rows"]
        if r["subject"] == "direction_of_travel"
    ]  # fmt: skip
    assert len(travel) == 353  # every council, districts on their area's series
