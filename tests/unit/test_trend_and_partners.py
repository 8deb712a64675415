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
