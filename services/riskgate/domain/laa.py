"""Local Area Agreements (White Paper 6.39-6.43): targets, their trajectories, and how an area is
doing against them.

An agreement runs over financial years ("2008-09" ends on 31 March 2009). Each target has a
baseline and a value for the end of each year; between those points the trajectory is a straight
line, so a calendar quarter's expected value is interpolated at the quarter's end. Pure: no
clock, no store.
"""

from __future__ import annotations

import functools
import math
import operator
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

TARGET_KINDS: tuple[str, ...] = ("designated", "statutory_education", "local")
# Reported to central Government; `local` targets are the area's own (White Paper 6.41).
REPORTED_KINDS: tuple[str, ...] = ("designated", "statutory_education")
STATUSES: tuple[str, ...] = ("ahead", "on_track", "behind", "missed")
AGREEMENT_TYPES: tuple[str, ...] = ("laa.agreed", "laa.refreshed")
ANNUAL_REPORT = "laa.annual_report"
MAX_DESIGNATED = 35  # "around 35" improvement targets (6.39)
MAX_STATUTORY_EDUCATION = 18  # the statutory early years and education targets (6.39)
MAX_LAA_TARGETS = 80  # designated + statutory + local: a bound on the event size
MAX_LAA_PARTNERS = 12  # relevant partners named on one target
MAX_LAA_YEARS = 5
FY_PATTERN = r"^\d{4}-\d{2}$"
# A local setting: riskgate's default (rules/laa.yaml `parameters.trajectory` overrides it).
DEFAULT_TOLERANCE_PCT = 5.0
OBSERVATION = "laa_target"
_FY = re.compile(FY_PATTERN)
_period = operator.attrgetter("period")
_RANK = {"ahead": 0, "on_track": 1, "behind": 2, "missed": 3}


def fy_index(period: str) -> int:
    """The calendar year a financial year starts in: "2009-10" -> 2009 (format checked)."""
    if not _FY.fullmatch(period):
        raise ValueError(f"not a financial year: {period!r}")
    return int(period[:4])


def fy_name(start_year: int) -> str:
    """2009 -> "2009-10"."""
    return f"{start_year}-{(start_year + 1) % 100:02d}"


@functools.cache
def fy_end_month(period: str) -> int:
    """Months since year 0 at the end of the financial year (31 March of its second year)."""
    return (fy_index(period) + 1) * 12 + 3


@functools.cache
def quarter_end_month(period: str) -> int:
    """Months since year 0 at the end of a calendar quarter: "2009-Q3" -> end of September."""
    year, quarter = period.split("-Q")
    return int(year) * 12 + 3 * int(quarter)


class Reading(NamedTuple):
    """One reported value of a target's indicator (a tuple: one is made per reported period
    every time a target is observed)."""

    period: str  # "2009-Q3"
    value: float
    event_id: str


def better_by(actual: float, reference: float, polarity: str) -> float:
    """How much better `actual` is than `reference` (negative: worse)."""
    return actual - reference if polarity == "higher_is_better" else reference - actual


def trajectory_points(target: Mapping[str, Any]) -> list[tuple[int, float]]:
    """(month, value): the baseline at the end of its year, then each year's target."""
    points = [(fy_end_month(target["baseline"]["period"]), float(target["baseline"]["value"]))]
    points += [(fy_end_month(p["period"]), float(p["value"])) for p in target["trajectory"]]
    return sorted(points)


def expected_at(points: Sequence[tuple[int, float]], month: int) -> float:
    """The value on the trajectory at `month`: interpolated between the points, level beyond."""
    if month <= points[0][0]:
        return points[0][1]
    for (m0, v0), (m1, v1) in zip(points, points[1:], strict=False):
        if month <= m1:
            return v0 + (v1 - v0) * (month - m0) / (m1 - m0) if m1 != m0 else v1
    return points[-1][1]


def in_period(agreement: Mapping[str, Any], quarter: str) -> bool:
    """Whether a calendar quarter falls within the agreement's financial years."""
    month = quarter_end_month(quarter)
    return (
        fy_end_month(agreement["period_start"]) - 12
        < month
        <= fy_end_month(agreement["period_end"])
    )


Trajectory = tuple[list[tuple[int, float]], frozenset[int]]  # points, year-end months


def target_trajectory(target: Mapping[str, Any]) -> Trajectory:
    """A target's trajectory points and the months its years of the agreement end, worked out
    once for all the readings judged against it."""
    year_ends = frozenset(fy_end_month(p["period"]) for p in target["trajectory"])
    return trajectory_points(target), year_ends


def reading_status(
    target: Mapping[str, Any],
    reading: Reading,
    polarity: str,
    tolerance_pct: float,
    trajectory: Trajectory | None = None,
) -> dict[str, Any]:
    """Expected value, gap (positive: better than the trajectory), gap % and status of one reading.

    Within `tolerance_pct` of the expected value is on track; beyond it ahead or behind; behind
    at the end of a year of the agreement is `missed` (the year's target was not met).
    """
    points, year_ends = trajectory or target_trajectory(target)
    month = quarter_end_month(reading.period)
    expected = expected_at(points, month)
    gap = better_by(reading.value, expected, polarity)
    gap_pct = gap / abs(expected) * 100 if expected else math.copysign(100.0, gap) * (gap != 0)
    year_end = month in year_ends
    if gap_pct > tolerance_pct:
        status = "ahead"
    elif gap_pct >= -tolerance_pct:
        status = "on_track"
    else:
        status = "missed" if year_end else "behind"
    return {
        "event_id": reading.event_id,
        "period": reading.period,
        "value": reading.value,
        "expected": round(expected, 3),
        "gap": round(gap, 3),
        "gap_pct": round(gap_pct, 1),
        "status": status,
        "year_end": year_end,
    }


def target_subject(indicator: str) -> str:
    """The subject of a target's observations (what a finding on it is filed under)."""
    return f"LAA target {indicator}"


def target_observation(
    *,
    area: str,
    target: Mapping[str, Any],
    agreement: Mapping[str, Any],
    theme: str,
    polarity: str | None,
    year: int,
    readings: Iterable[Reading],
    tolerance_pct: float = DEFAULT_TOLERANCE_PCT,
    trajectory: Trajectory | None = None,
) -> dict[str, Any]:
    """One target against its trajectory over a calendar year's reported quarters.

    The figures are the latest reported period's; `periods_behind_running` counts the reported
    periods, ending with the latest, that were behind (or missed) one after another.
    `trajectory`: the target's, when the caller keeps it (else worked out here).
    """
    indicator = target["indicator"]
    base = {
        "observation": OBSERVATION,
        "subject": target_subject(indicator),
        "concern": indicator,
        "body": area,
        "area": area,
        "indicator": indicator,
        "theme": theme,
        "kind": target["kind"],
        "polarity": polarity,
        "agreement": agreement["event_id"],
        "agreement_from": agreement["effective_from"],
        "lead_partner": target["lead_partner"],
    }
    quarter_of_year = f"{year}-Q"
    in_year = sorted(
        (
            r
            for r in readings
            if r.period.startswith(quarter_of_year) and in_period(agreement, r.period)
        ),
        key=_period,
    )
    if polarity is None or not in_year:
        return {**base, "evidence": []}  # no year: nothing for the rules to judge
    trajectory = trajectory or target_trajectory(target)
    rows = [reading_status(target, r, polarity, tolerance_pct, trajectory) for r in in_year]
    latest = rows[-1]
    running: list[dict[str, Any]] = []
    for row in reversed(rows):
        if row["status"] not in ("behind", "missed"):
            break
        if running and quarter_end_month(running[0]["period"]) - 3 != quarter_end_month(
            row["period"]
        ):
            break
        running.insert(0, row)
    previous = rows[-2] if len(rows) > 1 else None
    return {
        **base,
        "year": year,
        "latest_period": latest["period"],
        "actual": latest["value"],
        "expected": latest["expected"],
        "gap": latest["gap"],
        "gap_pct": latest["gap_pct"],
        "status": latest["status"],
        "direction": _direction(previous, latest, polarity),
        "periods_behind_running": len(running),
        "year_ends_missed": sum(r["status"] == "missed" for r in rows),
        "evidence": running or rows[-1:],
        "periods_evidence": rows,
    }


def _direction(previous: Mapping[str, Any] | None, latest: Mapping[str, Any], polarity: str) -> str:
    if previous is None:
        return "first_period"
    change = better_by(latest["value"], previous["value"], polarity)
    return "improving" if change > 0 else "worsening" if change < 0 else "steady"


def trajectory_warnings(
    targets: Iterable[Mapping[str, Any]], polarity_of: Mapping[str, str | None]
) -> list[str]:
    """Lint-style warnings on an agreement: trajectories that get worse, by the indicator's
    polarity, or targets on indicators with no polarity. Accepted, but worth a second look."""
    warnings = []
    for i, target in enumerate(targets):
        indicator = target["indicator"]
        polarity = polarity_of.get(indicator)
        if polarity is None:
            warnings.append(
                f"targets.{i} ({indicator}): a contextual indicator has no better or worse; "
                "its status cannot be judged"
            )
            continue
        points = trajectory_points(target)
        for (_, before), (month, after) in zip(points, points[1:], strict=False):
            if better_by(after, before, polarity) < 0:
                year = fy_name(month // 12 - 1)
                warnings.append(
                    f"targets.{i} ({indicator}): the trajectory gets worse in {year} "
                    f"({before:g} to {after:g}) although {polarity.replace('_', ' ')}"
                )
                break
    return warnings


def disagreement(reported: str | None, observed: str | None) -> str | None:
    """Where the area's own account and the data differ: "reported on track; the data says
    behind". None when they agree or either is missing."""
    if reported is None or observed is None or reported == observed:
        return None
    return f"reported {reported.replace('_', ' ')}; the data says {observed.replace('_', ' ')}"


def overstated(reported: str | None, observed: str | None) -> bool:
    """Whether the area reported better progress than the data shows."""
    return reported in _RANK and observed in _RANK and _RANK[reported] < _RANK[observed]


def agreement_in_force(
    versions: Iterable[dict[str, Any]], as_of: str | None = None
) -> dict[str, Any] | None:
    """The version of an area's agreement that applies on `as_of` (an ISO date; None: the
    latest): the one with the latest `effective_from` on or before it, later receipt winning."""
    eligible = [v for v in versions if as_of is None or v["effective_from"] <= as_of[:10]]
    if not eligible:
        return None
    return max(eligible, key=lambda v: (v["effective_from"], v["occurred_at"], v["event_id"]))
