"""Direction of Travel (White Paper 6.47): "a scored Direction of Travel judgement for each local
authority, assessing the pace of improvement and the likelihood that this improvement will
continue", derived from the council's own indicator series, never from a supplied score.

Evidence: the share of its indicators improving year on year (the same quarter a year before;
with one year of data, the year's first reported quarter to its last), how fast against the
national median change, the share of its reported LAA targets on track or ahead, and the share
of its self-assessed action plans on track. Pure.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from typing import Any

from riskgate.domain.laa import better_by

LABELS = {
    4: "improving strongly",
    3: "improving well",
    2: "improving adequately",
    1: "not improving adequately",
}
# A local setting: riskgate's default (rules/laa.yaml `parameters.direction_of_travel`).
DEFAULT_THRESHOLDS: dict[str, float] = {
    "strong_improving_share": 0.6,
    "strong_on_track_share": 0.8,
    "well_improving_share": 0.5,
    "well_on_track_share": 0.6,
    "adequate_improving_share": 0.4,
    "adequate_on_track_share": 0.4,
}

Series = Mapping[str, tuple[float, str]]  # period -> (value, event_id)


def change_pct(series: Series, year: int, polarity: str) -> tuple[float, str, str] | None:
    """The improvement-signed % change of one indicator over `year` and the periods compared:
    the latest quarter against the same quarter a year before, else against the year's first."""
    quarters = sorted(p for p in series if p.startswith(f"{year}-Q"))
    if not quarters:
        return None
    latest = quarters[-1]
    before = f"{year - 1}-Q{latest[-1]}"
    if before not in series:
        before = quarters[0]
        if before == latest:
            return None
    first, last = series[before][0], series[latest][0]
    if first == 0:
        return None
    return round(better_by(last, first, polarity) / abs(first) * 100, 2), before, latest


def national_median_changes(
    changes_by_area: Iterable[Mapping[str, float]],
) -> dict[str, float]:
    """Per indicator, the median change over every area that reported it."""
    pooled: dict[str, list[float]] = {}
    for changes in changes_by_area:
        for indicator, change in changes.items():
            pooled.setdefault(indicator, []).append(change)
    return {indicator: statistics.median(values) for indicator, values in pooled.items()}


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def direction_of_travel(
    *,
    body: str,
    year: int,
    changes: Mapping[str, float],
    national: Mapping[str, float],
    laa_statuses: Iterable[str | None],
    plan_statuses: Iterable[str],
    series_of: str,
    thresholds: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """The council's Direction of Travel, 1-4, with the figures it rests on."""
    t = {**DEFAULT_THRESHOLDS, **(thresholds or {})}
    improving = sum(c > 0 for c in changes.values())
    pace = [c - national[i] for i, c in changes.items() if i in national]
    relative = round(statistics.median(pace), 2) if pace else None
    laa = [s for s in laa_statuses if s is not None]
    on_track = _share(sum(s in ("ahead", "on_track") for s in laa), len(laa))
    plans = list(plan_statuses)
    plans_on_track = _share(sum(s == "on_track" for s in plans), len(plans))
    improving_share = _share(improving, len(changes))
    score = _score(improving_share, relative, on_track, plans_on_track, t)
    evidence = {
        "indicators_compared": len(changes),
        "indicators_improving": improving,
        "improving_share": improving_share,
        "median_change_vs_national_pts": relative,
        "laa_targets_judged": len(laa),
        "laa_on_track_share": on_track,
        "plans": len(plans),
        "plans_on_track_share": plans_on_track,
        "series_of": series_of,
    }
    return {
        "body": body,
        "year": year,
        "score": score,
        "label": LABELS[score] if score else "not derived: no indicator series",
        "evidence": evidence,
        "reason": _reason(score, evidence),
    }


def _score(
    improving: float | None,
    relative: float | None,
    on_track: float | None,
    plans: float | None,
    t: Mapping[str, float],
) -> int | None:
    if improving is None:
        return None
    laa = 1.0 if on_track is None else on_track  # no agreement: nothing off track
    plan = 1.0 if plans is None else plans  # no action plans: none slipping
    if (
        improving >= t["strong_improving_share"]
        and (relative or 0) > 0
        and min(laa, plan) >= t["strong_on_track_share"]
    ):
        return 4
    if improving >= t["well_improving_share"] and min(laa, plan) >= t["well_on_track_share"]:
        return 3
    if improving >= t["adequate_improving_share"] or laa >= t["adequate_on_track_share"]:
        return 2
    return 1


def _reason(score: int | None, e: Mapping[str, Any]) -> str:
    if score is None:
        return "No indicator series to judge the pace of improvement."
    parts = [
        f"{e['indicators_improving']} of {e['indicators_compared']} indicators improving "
        f"({e['improving_share']:.0%})"
    ]
    if e["median_change_vs_national_pts"] is not None:
        parts.append(
            f"median change {e['median_change_vs_national_pts']:+.2f} points against the national median"
        )
    if e["laa_on_track_share"] is not None:
        parts.append(
            f"{e['laa_on_track_share']:.0%} of {e['laa_targets_judged']} LAA targets on track"
        )
    if e["plans_on_track_share"] is not None:
        parts.append(f"{e['plans_on_track_share']:.0%} of {e['plans']} action plans on track")
    return f"{LABELS[score].capitalize()}: " + "; ".join(parts) + "."
