"""The bundled sample year: deterministic, complete, and with exactly the planted problems."""

from __future__ import annotations

import json
import uuid
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from riskgate import sample, schemas
from riskgate.adapters.shipped_rules import shipped_rules_dir
from riskgate.domain.publishing import LOADER, source_of
from riskgate.domain.reference import load_reference
from riskgate.domain.vocabulary import AREA_THEMES, EVENT_TYPES
from riskgate.service_layer.rules_source import load_ruleset

Event = dict[str, Any]
ENVELOPE = {"event_id", "type", "occurred_at", "source", "body", "payload"}
PERIODS = ["2009-Q1", "2009-Q2", "2009-Q3", "2009-Q4"]


@pytest.fixture(scope="module")
def events(sample_year: list[Event]) -> list[Event]:
    return sample_year


@pytest.fixture(scope="module")
def plants() -> list[sample.Plant]:
    return sample.planted()


@pytest.fixture(scope="module")
def floor_values(events: list[Event]) -> dict[tuple[str, str], list[float]]:
    """(area, indicator) -> values for Q1..Q4, for the indicators that have a floor."""
    by_period: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    for e in events:
        if e["type"] == "indicator.reported" and e["payload"]["indicator"] in sample.floors():
            p = e["payload"]
            by_period[(e["body"], p["indicator"])][p["period"]] = p["value"]
    return {key: [periods[q] for q in PERIODS] for key, periods in by_period.items()}


@pytest.fixture(scope="module")
def upheld_rates(events: list[Event]) -> dict[tuple[str, str], float]:
    """(council, theme) -> upheld complaints in the year per 10,000 residents."""
    population = {
        e["body"]: e["payload"]["population"] for e in events if e["type"] == "body.registered"
    }
    upheld = Counter(
        (e["body"], e["payload"]["theme"])
        for e in events
        if e["type"] == "complaint.received" and e["payload"]["upheld"]
    )
    return {
        (council, theme): upheld[(council, theme)] * 10_000 / population[council]
        for council in population
        for theme in AREA_THEMES
    }


def test_the_same_arguments_give_the_same_year(events: list[Event]) -> None:
    assert sample.generate_year(2009, 2009) == events
    assert sample.planted(2009, 2009) == sample.planted()


def test_a_different_seed_gives_a_different_year(events: list[Event]) -> None:
    other = sample.generate_year(2009, seed=7)
    assert other != events
    assert {e["event_id"] for e in other}.isdisjoint(e["event_id"] for e in events[:1000])


@pytest.mark.parametrize("seed", range(2010, 2030))
def test_every_seed_plants_a_district_whose_complaints_surge(seed: int) -> None:
    """The citizens' escalation story needs one; a seed whose turn fell on London or the North
    East (no districts) once left none, and the year could not be generated."""
    from riskgate.sample.plan import plan_year

    districts = {c.code for c in load_reference().councils.values() if c.kind == "district"}
    surges = [p for p in plan_year(2009, seed).plants if p.kind == "complaints"]
    assert any(p.body in districts and p.body != p.area for p in surges)


def test_event_counts(events: list[Event]) -> None:
    counts = Counter(e["type"] for e in events)
    assert counts["body.registered"] == 353
    assert counts["indicator.reported"] == 152 * 198 * 4
    assert counts["self_assessment.submitted"] == 152 * 4
    assert counts["use_of_resources.scored"] == 353
    assert counts["petition.submitted"] == sample.PETITIONS + 1  # and one in a citizens' story
    assert counts["laa.agreed"] == counts["laa.annual_report"] == 152  # one per area
    assert set(counts) <= set(EVENT_TYPES)


def test_every_event_id_is_a_unique_uuid5(events: list[Event]) -> None:
    ids = [e["event_id"] for e in events]
    assert len(set(ids)) == len(ids)
    assert all(uuid.UUID(i).version == 5 for i in ids[:500])


def test_fast_event_ids_equal_uuid5_over_the_sample_namespace() -> None:
    for name in ("body.registered/E10000014", "indicator.reported/E06000044/NI 117/2009-Q2"):
        expected = str(uuid.uuid5(sample.SAMPLE_NAMESPACE, f"2009:2009:{name}"))
        assert sample.event_id(2009, 2009, name) == expected
        assert sample.sample_event_id(2009, 2009, name) == expected


def test_every_event_has_the_envelope_and_is_sent_in_time_order(events: list[Event]) -> None:
    for e in events:
        assert set(e) == ENVELOPE
        assert e["occurred_at"].endswith("+00:00")
        assert datetime.fromisoformat(e["occurred_at"]).utcoffset() == timedelta(0)
        assert isinstance(e["payload"], dict) and e["source"] and e["body"]
    keys = [(e["occurred_at"], e["event_id"]) for e in events]
    assert keys == sorted(keys)


def test_every_sample_event_satisfies_the_v1_contract_as_it_is_loaded(
    events: list[Event],
) -> None:
    """Every one of the bundled year's events, stamped by the loader as ingest stamps it,
    validates to itself: so `load_sample` checks only their envelope (the first `make run`
    would otherwise spend a fifth of its load re-validating them), and loses nothing."""
    source = source_of(LOADER)
    for e in events:
        stamped = {**e, "source": source}
        clean, errors = schemas.validate_event(stamped)
        assert errors == {}, (e, errors)
        assert clean == stamped


def test_events_are_json_lines(events: list[Event], tmp_path: Path) -> None:
    path = tmp_path / "year.jsonl"
    assert sample.write_jsonl(events[:50], path) == 50
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == events[:50]
    assert lines[0] == json.dumps(events[0], sort_keys=True)


def test_every_council_is_registered_with_its_area_and_a_synthetic_population(
    events: list[Event],
) -> None:
    ref = load_reference()
    registered = {e["body"]: e for e in events if e["type"] == "body.registered"}
    assert set(registered) == set(ref.councils)
    for code, e in registered.items():
        p = e["payload"]
        assert e["occurred_at"] == "2009-01-05T09:00:00+00:00"
        assert p["area"] == ref.area_of(code)
        assert p["population_source"] == "synthetic"
        assert p["name"] == ref.councils[code].name and p["kind"] == ref.councils[code].kind
    population = {code: e["payload"]["population"] for code, e in registered.items()}
    assert population["E09000001"] == 8_000 and population["E06000053"] == 2_000
    for area in ref.areas.values():
        if area.kind == "county":
            assert population[area.code] == sum(population[m] for m in area.members[1:])
    assert all(
        60_000 <= population[c.code] <= 200_000
        for c in ref.councils.values()
        if c.kind == "district"
    )


def test_every_area_reports_every_indicator_each_quarter(events: list[Event]) -> None:
    reported = Counter(
        (e["body"], e["payload"]["period"]) for e in events if e["type"] == "indicator.reported"
    )
    assert set(reported.values()) == {198}
    assert {area for area, _ in reported} == set(load_reference().areas)
    q4 = next(
        e
        for e in events
        if e["type"] == "indicator.reported" and e["payload"]["period"] == "2009-Q4"
    )
    assert q4["occurred_at"] == "2010-01-30T09:00:00+00:00"


def test_no_two_plants_share_an_area_and_theme(plants: list[sample.Plant]) -> None:
    kinds = Counter(p.kind for p in plants)
    assert kinds == {
        "floor": 8,
        "complaints": 4,
        "known_and_managed": 2,
        "inadequate": 1,
        "outstanding": 2,
        "poor_use_of_resources": 2,
        "excellent": 3,
        "laa_behind": 1,
        "laa_ahead": 1,
    }
    assert len({(p.area, p.theme) for p in plants}) == len(plants)
    assert len({load_reference().areas[p.area].region for p in plants}) >= 6


def test_planted_floor_problems_cross_the_floor_from_q2(
    plants: list[sample.Plant], floor_values: dict[tuple[str, str], list[float]]
) -> None:
    for plant in plants:
        if plant.kind in ("floor", "known_and_managed"):
            assert plant.indicator is not None
            floor = sample.floors()[plant.indicator]
            values = floor_values[(plant.area, plant.indicator)]
            assert [floor.crossed(v) for v in values] == [False, True, True, True], plant
            assert load_reference().indicators[plant.indicator].theme == plant.theme


def test_no_unplanted_area_crosses_a_floor(
    plants: list[sample.Plant], floor_values: dict[tuple[str, str], list[float]]
) -> None:
    planted_keys = {(p.area, p.indicator) for p in plants if p.indicator is not None}
    for (area, indicator), values in floor_values.items():
        if (area, indicator) not in planted_keys:
            floor = sample.floors()[indicator]
            assert all(floor.normal_low <= v <= floor.normal_high for v in values)
            assert not any(floor.crossed(v) for v in values), (area, indicator, values)


def test_complaints_plants_are_well_above_and_everyone_else_well_below(
    plants: list[sample.Plant], upheld_rates: dict[tuple[str, str], float]
) -> None:
    complaint_plants = {(p.body, p.theme) for p in plants if p.kind == "complaints"}
    assert {load_reference().councils[b].kind for b, _ in complaint_plants} >= {"district"}
    for key, rate in upheld_rates.items():
        if key in complaint_plants:
            assert rate >= 2.5, key
        else:
            assert rate < 1.0, (key, rate)


def test_normal_councils_upheld_rate_over_the_year_is_below_one_per_10k(
    events: list[Event], plants: list[sample.Plant]
) -> None:
    planted_bodies = {p.body for p in plants if p.kind == "complaints"}
    population = {
        e["body"]: e["payload"]["population"] for e in events if e["type"] == "body.registered"
    }
    complaints = [e for e in events if e["type"] == "complaint.received"]
    upheld = Counter(e["body"] for e in complaints if e["payload"]["upheld"])
    for council, n in upheld.items():
        if council not in planted_bodies:
            assert n * 10_000 / population[council] < 1.0
    assert {e["body"] for e in complaints} == set(population)
    share = sum(bool(e["payload"]["upheld"]) for e in complaints) / len(complaints)
    assert 0.2 < share < 0.45
    assert {e["payload"]["theme"] for e in complaints} == set(AREA_THEMES)
    # Formal complaints come only from partners, in the citizens' escalation story.
    formal = [e for e in complaints if e["payload"]["formal"]]
    assert len(formal) == 2 and {e["payload"]["channel"] for e in formal} == {"partner"}


def test_known_and_managed_plants_are_in_the_self_assessment_on_track(
    events: list[Event], plants: list[sample.Plant]
) -> None:
    concerns = {
        (e["body"], e["payload"]["theme"]): e["payload"]["concerns"]
        for e in events
        if e["type"] == "self_assessment.submitted"
    }
    for plant in plants:
        on_theme = concerns.get((plant.area, plant.theme), [])
        listed = [c for c in on_theme if c["subject"] == plant.indicator]
        if plant.kind == "known_and_managed":
            assert len(listed) == 1
            assert listed[0]["status"] == "on_track" and listed[0]["action_plan"]
        elif plant.kind == "floor":
            assert listed == []


def test_only_the_planted_councils_score_1_or_4(
    events: list[Event], plants: list[sample.Plant]
) -> None:
    scores = {
        e["body"]: (e["payload"]["score"], e["payload"]["managing_performance"])
        for e in events
        if e["type"] == "use_of_resources.scored"
    }
    assert len(scores) == len(load_reference().councils)
    planted_scores = {p.body: p.scores for p in plants if p.scores is not None}
    assert {b: s for b, s in scores.items() if {1, 4} & set(s)} == planted_scores


def test_the_sample_floors_are_the_shipped_rules_floors_with_normal_ranges_clear_of_them() -> None:
    rules = load_ruleset(shipped_rules_dir())
    floors = sample.floors()
    assert {code: f.floor for code, f in floors.items()} == dict(rules.floors)
    for code, floor in floors.items():
        # A normal area never crosses: its whole range is on the right side of the floor.
        assert not floor.crossed(floor.normal_low) and not floor.crossed(floor.normal_high), code
        assert floor.polarity == load_reference().indicators[code].polarity


def test_the_scripted_stories_and_proposals_ship_as_package_data() -> None:
    told = sample.stories()
    assert [s.expect for s in told] == [
        "escalated", "refused", "refused", "escalated", "open", "resolved", "open",
    ]  # fmt: skip
    messages = sample.proposals()
    assert len(messages) == 6
    assert {m["source"] for m in messages} == {
        "api:integrator", "api:inspectorate:hmi_probation", "api:inspectorate:ofsted",
    }  # fmt: skip
    assert all(m["payload"]["request_id"] == m["event_id"] for m in messages)
