"""Observations: the facts a rule judges, derived from an indicator series or a body's complaints."""

from __future__ import annotations

import random
from typing import Any

import pytest

from riskgate.domain.observations import (
    Complaint,
    IndicatorValue,
    complaints_observation,
    indicator_observation,
    is_worse,
)

CYP = "children_and_young_people"


def _series(*points: tuple[str, float]) -> list[IndicatorValue]:
    return [IndicatorValue(period, value, f"ev-{period}") for period, value in points]


def _indicator(
    series: list[IndicatorValue],
    *,
    polarity: str | None = "lower_is_better",
    floor: float | None = 10.0,
    year: int = 2009,
) -> dict[str, Any]:
    return indicator_observation(
        body="E08000028",
        area="E08000028",
        indicator="NI 117",
        theme=CYP,
        polarity=polarity,
        year=year,
        series=series,
        floor=floor,
    )


# --- worse than the floor, by polarity ---------------------------------------------------


@pytest.mark.parametrize(
    ("value", "polarity", "worse"),
    [
        (11.0, "lower_is_better", True),  # more NEETs than the floor
        (9.0, "lower_is_better", False),
        (54.0, "higher_is_better", True),  # fewer pupils at level 4 than the floor
        (56.0, "higher_is_better", False),
    ],
)
def test_worse_than_the_floor_depends_on_polarity(value: float, polarity: str, worse: bool) -> None:
    floor = 10.0 if polarity == "lower_is_better" else 55.0
    assert is_worse(value, floor, polarity) is worse


@pytest.mark.parametrize("polarity", ["lower_is_better", "higher_is_better"])
def test_a_value_exactly_at_the_floor_is_not_worse(polarity: str) -> None:
    assert not is_worse(10.0, 10.0, polarity)


def test_the_same_value_counts_against_opposite_polarities_oppositely() -> None:
    series = _series(("2009-Q1", 12.0), ("2009-Q2", 12.0))

    assert _indicator(series, polarity="lower_is_better")["quarters_worse_than_floor"] == 2
    assert _indicator(series, polarity="higher_is_better")["quarters_worse_than_floor"] == 0


def test_no_floor_or_no_polarity_means_never_worse() -> None:
    series = _series(("2009-Q1", 50.0), ("2009-Q2", 50.0))

    for obs in (_indicator(series, floor=None), _indicator(series, polarity=None)):
        assert obs["quarters_worse_than_floor"] == 0
        assert obs["latest_worse_than_floor"] is False


# --- the longest run of consecutive quarters ----------------------------------------------


def test_the_longest_run_of_consecutive_worse_quarters_is_counted_with_its_evidence() -> None:
    series = _series(("2009-Q1", 11.0), ("2009-Q2", 9.0), ("2009-Q3", 12.0), ("2009-Q4", 13.0))

    obs = _indicator(series)

    assert obs["quarters_worse_than_floor"] == 2
    assert obs["evidence"] == [
        {"event_id": "ev-2009-Q3", "period": "2009-Q3", "value": 12.0},
        {"event_id": "ev-2009-Q4", "period": "2009-Q4", "value": 13.0},
    ]


def test_a_missing_quarter_breaks_the_run() -> None:
    series = _series(("2009-Q1", 11.0), ("2009-Q3", 12.0))  # Q2 never reported

    assert _indicator(series)["quarters_worse_than_floor"] == 1


def test_quarters_from_another_year_do_not_extend_the_run() -> None:
    # Observations are per assessment year: 2008-Q4 belongs to 2008's observation.
    series = _series(("2008-Q3", 14.0), ("2008-Q4", 15.0), ("2009-Q1", 11.0))

    obs_2009 = _indicator(series, year=2009)
    obs_2008 = _indicator(series, year=2008)

    assert obs_2009["quarters_worse_than_floor"] == 1
    assert [e["period"] for e in obs_2009["evidence"]] == ["2009-Q1"]
    assert obs_2008["quarters_worse_than_floor"] == 2
    assert obs_2008["latest_period"] == "2008-Q4"


def test_a_resubmitted_quarter_counts_with_its_new_value() -> None:
    # The caller replaces the period's value; here the Q2 resubmission brings it under the floor.
    first = _series(("2009-Q1", 11.0), ("2009-Q2", 12.0))
    resubmitted = [first[0], IndicatorValue("2009-Q2", 8.0, "ev-resubmitted")]

    assert _indicator(first)["quarters_worse_than_floor"] == 2
    obs = _indicator(resubmitted)
    assert obs["quarters_worse_than_floor"] == 1
    assert obs["latest_value"] == 8.0
    assert obs["latest_worse_than_floor"] is False


def test_latest_fields_describe_the_most_recent_quarter_whatever_the_input_order() -> None:
    series = _series(("2009-Q3", 9.5), ("2009-Q1", 11.0), ("2009-Q2", 12.0))

    obs = _indicator(series)

    assert (obs["latest_period"], obs["latest_value"], obs["latest_worse_than_floor"]) == (
        "2009-Q3",
        9.5,
        False,
    )
    assert obs["quarters_worse_than_floor"] == 2


def test_with_no_worse_quarter_the_evidence_is_the_latest_value() -> None:
    obs = _indicator(_series(("2009-Q1", 5.0), ("2009-Q2", 6.0)))

    assert obs["quarters_worse_than_floor"] == 0
    assert obs["evidence"] == [{"event_id": "ev-2009-Q2", "period": "2009-Q2", "value": 6.0}]


def test_a_year_with_no_values_has_no_latest_and_no_evidence() -> None:
    obs = _indicator(_series(("2008-Q4", 20.0)), year=2009)

    assert obs["latest_period"] is None
    assert obs["latest_value"] is None
    assert obs["quarters_worse_than_floor"] == 0
    assert obs["evidence"] == []


def test_indicator_observation_does_not_depend_on_input_order() -> None:
    series = _series(
        ("2009-Q1", 11.0), ("2009-Q2", 9.0), ("2009-Q3", 12.0), ("2009-Q4", 13.0), ("2008-Q4", 30.0)
    )
    expected = _indicator(series)
    rng = random.Random(7)
    for _ in range(20):
        shuffled = list(series)
        rng.shuffle(shuffled)
        assert _indicator(shuffled) == expected


# --- complaints ---------------------------------------------------------------------------

HEALTH = "healthier_communities_and_older_people"


def _complaint(n: int, when: str, *, upheld: bool | None = True, theme: str = HEALTH) -> Complaint:
    return Complaint(f"c{n}", when, theme, upheld, "resident")


def _complaints(
    complaints: list[Complaint], population: int | None = 20_000, theme: str = HEALTH
) -> dict[str, Any]:
    return complaints_observation(
        body="E08000028",
        area="E08000028",
        theme=theme,
        complaints=complaints,
        population=population,
    )


def test_the_window_is_the_twelve_months_to_the_latest_complaint() -> None:
    complaints = [
        _complaint(1, "2008-06-30T12:00:00+01:00"),  # more than 12 months before the latest
        _complaint(2, "2008-07-02T12:00:00+01:00"),
        _complaint(3, "2009-03-01T12:00:00+00:00"),
        _complaint(4, "2009-07-01T12:00:00+01:00"),  # the latest
    ]

    obs = _complaints(complaints)

    assert obs["window_end"] == "2009-07-01"
    assert obs["window_start"] == "2008-07-01"
    assert obs["year"] == 2009
    assert obs["complaints_12m"] == 3
    assert [e["event_id"] for e in obs["evidence"]] == ["c2", "c3", "c4"]


def test_upheld_counts_and_the_rate_per_ten_thousand_residents() -> None:
    complaints = [
        _complaint(1, "2009-01-10T09:00:00+00:00", upheld=True),
        _complaint(2, "2009-02-10T09:00:00+00:00", upheld=False),
        _complaint(3, "2009-03-10T09:00:00+00:00", upheld=None),  # not yet decided
        _complaint(4, "2009-04-10T09:00:00+01:00", upheld=True),
        _complaint(5, "2009-05-10T09:00:00+01:00", upheld=True),
    ]

    obs = _complaints(complaints, population=20_000)

    assert obs["complaints_12m"] == 5
    assert obs["upheld_12m"] == 3
    assert obs["upheld_per_10k_12m"] == pytest.approx(1.5)  # 3 per 20,000 residents
    assert [e["event_id"] for e in obs["evidence"]] == ["c1", "c4", "c5"]


def test_complaints_on_other_themes_are_not_counted() -> None:
    complaints = [
        _complaint(1, "2009-01-10T09:00:00+00:00"),
        _complaint(2, "2009-02-10T09:00:00+00:00", theme=CYP),
    ]

    obs = _complaints(complaints)

    assert obs["complaints_12m"] == 1
    assert obs["upheld_12m"] == 1


def test_an_unknown_population_gives_counts_but_no_rate() -> None:
    obs = _complaints([_complaint(1, "2009-01-10T09:00:00+00:00")], population=None)

    assert obs["upheld_12m"] == 1
    assert obs["upheld_per_10k_12m"] is None


def test_no_complaints_on_the_theme_gives_an_observation_with_nothing_to_judge() -> None:
    obs = _complaints([_complaint(1, "2009-01-10T09:00:00+00:00", theme=CYP)])

    assert "year" not in obs
    assert "upheld_12m" not in obs
    assert obs["evidence"] == []


def test_complaints_observation_does_not_depend_on_input_order() -> None:
    complaints = [
        _complaint(n, f"2009-{month:02d}-15T10:00:00+01:00", upheld=n % 3 != 0)
        for n, month in enumerate(range(1, 13), start=1)
    ] + [
        _complaint(99, "2008-01-15T10:00:00+00:00"),
        _complaint(98, "2009-06-15T10:00:00+01:00", theme=CYP),
    ]
    expected = _complaints(complaints)
    rng = random.Random(11)
    for _ in range(20):
        shuffled = list(complaints)
        rng.shuffle(shuffled)
        assert _complaints(shuffled) == expected


def test_the_window_ends_at_the_latest_complaint_in_time_when_zone_offsets_differ() -> None:
    # 23:30 UTC is later than 00:15 BST (23:15 UTC the day before) though it sorts first as text,
    # so the 12 months end at 23:30 UTC and a complaint at 23:20 UTC a year earlier is outside.
    complaints = [
        _complaint(0, "2008-06-30T23:20:00+00:00"),
        _complaint(1, "2009-06-30T23:30:00+00:00"),
        _complaint(2, "2009-07-01T00:15:00+01:00"),
    ]

    obs = _complaints(complaints)

    assert obs["window_end"] == "2009-06-30"
    assert obs["complaints_12m"] == 2
    assert [e["event_id"] for e in obs["evidence"]] == ["c2", "c1"]  # in time order
