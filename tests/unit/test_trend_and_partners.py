"""Observation fields behind the trend and distinct-partner rules."""

from __future__ import annotations

from riskgate.domain.observations import (
    Complaint,
    IndicatorValue,
    complaints_observation,
    indicator_observation,
)


def _indicator(values: list[float], polarity: str | None) -> dict:
    series = [IndicatorValue(f"2009-Q{i + 1}", v, f"e{i}") for i, v in enumerate(values)]
    return indicator_observation(
        body="B", area="A", indicator="NI 1", theme="t", polarity=polarity,
        year=2009, series=series, floor=None,
    )  # fmt: skip


def test_worsening_counts_only_the_unbroken_run_ending_with_the_latest_quarter() -> None:
    assert _indicator([60, 52, 46, 41], "higher_is_better")["quarters_worsening"] == 3
    assert _indicator([60, 52, 46, 41], "higher_is_better")["worsening_pct"] == 31.7
    assert _indicator([60, 52, 55, 50], "higher_is_better")["quarters_worsening"] == 1
    assert _indicator([60, 52, 46, 47], "higher_is_better")["quarters_worsening"] == 0


def test_worsening_follows_polarity() -> None:
    rising_neet = _indicator([6.0, 7.0, 8.0, 9.0], "lower_is_better")
    assert rising_neet["quarters_worsening"] == 3 and rising_neet["worsening_pct"] == 50.0
    assert _indicator([9.0, 8.0, 7.0, 6.0], "lower_is_better")["quarters_worsening"] == 0


def test_a_contextual_indicator_has_no_trend() -> None:
    assert _indicator([1, 2, 3, 4], None)["quarters_worsening"] == 0


def test_distinct_partners_count_only_formal_complaints_lodged_by_partners() -> None:
    def c(i: int, channel: str, partner: str | None, formal: bool) -> Complaint:
        return Complaint(
            f"c{i}", f"2009-0{i}-01T10:00:00+00:00", "t", None, channel, formal, partner
        )

    obs = complaints_observation(
        body="B", area="A", theme="t", population=1000,
        complaints=[c(1, "partner", "P1", True), c(2, "partner", "P1", True),
                    c(3, "partner", "P2", False), c(4, "resident", None, True)],
    )  # fmt: skip
    assert obs["formal_partner_complaints_12m"] == 2 and obs["distinct_partners_12m"] == 1
    more = complaints_observation(
        body="B", area="A", theme="t", population=1000,
        complaints=[c(1, "partner", "P1", True), c(5, "partner", "P2", True)],
    )  # fmt: skip
    assert more["distinct_partners_12m"] == 2
    assert [e["event_id"] for e in more["partner_evidence"]] == ["c1", "c5"]
    assert more["evidence"] == []  # none upheld


def test_peers_rank_areas_of_the_same_kind_by_their_average_for_the_year() -> None:
    from riskgate.domain.observations import peer_observations

    def series(*values: float) -> list[IndicatorValue]:
        return [IndicatorValue(f"2009-Q{i + 1}", v, f"e{i}") for i, v in enumerate(values)]

    kinds = {"A1": "county", "A2": "county", "A3": "county", "A4": "county", "U1": "unitary"}
    found = peer_observations(
        indicator="NI 117", theme="t", polarity="lower_is_better", year=2009, kind_of=kinds,
        series_by_area={"A1": series(5, 5), "A2": series(6, 6), "A3": series(7, 7),
                        "A4": series(8, 9, 10, 12), "U1": series(20, 18, 16, 14)},
    )  # fmt: skip
    by_area = {o["area"]: o for o in found}
    assert [by_area[a]["peer_rank"] for a in ("A1", "A2", "A3", "A4")] == [1, 2, 3, 4]
    assert by_area["A1"]["peer_quartile"] == 1 and by_area["A4"]["peer_quartile"] == 4
    assert by_area["A4"]["quarters_worsening"] == 3 and by_area["A4"]["worsening_pct"] == 50.0
    # Alone in its group, the unitary is best of one; it improved 30% over three quarters.
    assert by_area["U1"]["peer_group_size"] == 1 and by_area["U1"]["peer_decile"] == 1
    assert by_area["U1"]["quarters_improving"] == 3 and by_area["U1"]["improving_pct"] == 30.0
    assert by_area["A4"]["concern"] == "NI 117"


def test_peer_observations_made_without_evidence_complete_to_the_very_same() -> None:
    """The peer comparison makes each observation without its evidence lists first, and adds
    them only where it judges one: field for field and in order, the observation made whole."""
    from riskgate.domain.observations import (
        PEER_EVIDENCE,
        peer_observations,
        with_peer_evidence,
    )

    def series(*values: tuple[str, float]) -> list[IndicatorValue]:
        return [IndicatorValue(p, v, f"e-{p}-{v}") for p, v in values]

    kinds = {"A1": "county", "A2": "county", "A3": "county", "U1": "unitary", "U2": "unitary"}
    by_area = {
        # Out of order, a year either side, and a gap (Q2 missing breaks a run).
        "A1": series(("2009-Q4", 9), ("2009-Q1", 5), ("2009-Q3", 7), ("2008-Q4", 1)),
        "A2": series(("2009-Q1", 8), ("2009-Q2", 6), ("2009-Q3", 4), ("2009-Q4", 2)),
        "A3": series(("2009-Q1", 3), ("2009-Q2", 4), ("2009-Q3", 5), ("2010-Q1", 50)),
        "U1": series(("2009-Q2", 20), ("2009-Q3", 25), ("2009-Q4", 20)),
        "U2": series(("2010-Q1", 7)),  # nothing in the year: not ranked
    }
    for polarity in ("lower_is_better", "higher_is_better"):
        made = dict(
            indicator="NI 117", theme="t", polarity=polarity, year=2009, kind_of=kinds,
            series_by_area=by_area,
        )  # fmt: skip
        whole = peer_observations(**made)  # type: ignore[arg-type]
        light = peer_observations(**made, evidence=False)  # type: ignore[arg-type]
        assert len(whole) == 4 and len(light) == 4
        assert all(not set(PEER_EVIDENCE) & o.keys() for o in light)
        completed = [with_peer_evidence(o, by_area[o["area"]]) for o in light]
        assert completed == whole
        assert [list(o) for o in completed] == [list(o) for o in whole]  # the same order
        # Not vacuous: the runs are there to be found.
        assert any(o["trend_evidence"] for o in whole) and any(
            o["improvement_evidence"] for o in whole
        )
