"""The sample year's Local Area Agreements (synthetic): one per area, agreed for 2008-09 to
2010-11, with targets drawn from the area's weaker indicators, and the area's annual report.

A target's trajectory improves by 1.5-3% of its level a year and runs through the area's own
2009 values, so an ordinary target stays on track all year; about one in ten is set a little
below the values (ahead, not by enough to flag) and about one in ten a little steeper for
2009-10 (behind in the year's last quarter only, which flags nothing yet). The annual report
comes after the year's last quarter and tells each status as the data does. Two agreements
carry a plant: a
designated target set far steeper than the area's values (it missed its 2008-09 target and is
behind from 2009-Q2 on, while the annual report says on track), and one set far below them
(well ahead all year).
"""

from __future__ import annotations

import itertools
import random
import statistics
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from riskgate.domain import laa
from riskgate.domain.reference import Reference
from riskgate.sample.ids import event_id, stream, timestamp
from riskgate.sample.plan import Plan, Plant
from riskgate.service_layer.common import envelope

PERIOD = ("2008-09", "2009-10", "2010-11")
BASELINE = "2007-08"
STATUTORY_RANGE = range(72, 102)  # NI 72-101: the early years and attainment targets
LOCAL_TARGETS = 2
_STABLE = 0.6  # an ordinary target's values stay within this share of the on-track tolerance
_MID_2009 = 2009 * 12 + 7.5  # months: halfway through the calendar year's quarter ends
# Planted trajectories, as shares of the area's 2009 level, better-signed: baseline, then the
# end of each year of the agreement.
_STEEP = (0.0, 0.10, 0.35, 0.45)  # missed 2008-09, then behind every quarter
_LOW = (-0.22, -0.20, -0.18, -0.16)  # well ahead every quarter


def laa_events(
    ref: Reference,
    plan: Plan,
    reports: Iterable[dict[str, Any]],
    year: int,
    seed: int,
) -> list[dict[str, Any]]:
    """Every area's `laa.agreed` and `laa.annual_report`, from its reported values."""
    rng = stream(year, seed, "laa")
    values: dict[str, dict[str, list[tuple[str, float]]]] = defaultdict(lambda: defaultdict(list))
    for event in reports:
        payload = event["payload"]
        values[event["body"]][payload["indicator"]].append((payload["period"], payload["value"]))
    medians = _national_medians(values)
    plants = {p.area: p for p in plan.plants if p.kind in ("laa_behind", "laa_ahead")}
    agreed_at = timestamp(datetime(year, 1, 6, 9, tzinfo=UTC))
    reported_at = timestamp(datetime(year + 1, 2, 15, 9, tzinfo=UTC))
    events = []
    for code, area in sorted(ref.areas.items()):
        targets = _targets(ref, code, area.members, values[code], medians, plants.get(code), rng)
        events.append(
            envelope(
                event_id=event_id(year, seed, f"laa.agreed/{code}"),
                type="laa.agreed",
                occurred_at=agreed_at,
                source=f"government_office:{area.region.lower().replace(' ', '_')}",
                body=code,
                payload={
                    "period_start": PERIOD[0],
                    "period_end": PERIOD[-1],
                    "effective_from": f"{year - 1}-06-30",
                    "targets": targets,
                    "data_source": "synthetic",
                },
            )
        )
        events.append(
            envelope(
                event_id=event_id(year, seed, f"laa.annual_report/{code}"),
                type="laa.annual_report",
                occurred_at=reported_at,
                source=f"council:{code}",
                body=code,
                payload=_annual_report(ref, targets, values[code], plants.get(code), year),
            )
        )
    return events


def _national_medians(values: dict[str, dict[str, list[tuple[str, float]]]]) -> dict[str, float]:
    by_indicator: dict[str, list[float]] = defaultdict(list)
    for series in values.values():
        for indicator, readings in series.items():
            by_indicator[indicator].append(_mean(readings))
    return {indicator: statistics.median(means) for indicator, means in by_indicator.items()}


def _mean(readings: list[tuple[str, float]]) -> float:
    return sum(v for _, v in readings) / len(readings)


def _sign(polarity: str) -> int:
    return 1 if polarity == "higher_is_better" else -1


def _trajectory(level: float, polarity: str, shares: tuple[float, ...]) -> dict[str, Any]:
    """Baseline and yearly targets at `level` moved by each share, in the better direction."""
    points = [round(level + _sign(polarity) * s * abs(level), 2) for s in shares]
    return {
        "baseline": {"period": BASELINE, "value": points[0]},
        "trajectory": [{"period": p, "value": v} for p, v in zip(PERIOD, points[1:], strict=True)],
    }


def _ordinary(level: float, polarity: str, rate: float) -> dict[str, Any]:
    """A straight trajectory improving by `rate` of the level a year, through the 2009 values."""
    slope = _sign(polarity) * rate * abs(level) / 12
    at = [laa.fy_end_month(p) for p in (BASELINE, *PERIOD)]
    points = [round(level + slope * (m - _MID_2009), 2) for m in at]
    return {
        "baseline": {"period": BASELINE, "value": points[0]},
        "trajectory": [{"period": p, "value": v} for p, v in zip(PERIOD, points[1:], strict=True)],
    }


def _statuses(readings: list[tuple[str, float]], shape: dict[str, Any], polarity: str) -> list[Any]:
    target = {"indicator": "", "kind": "designated", **shape}
    return [
        laa.reading_status(target, laa.Reading(p, v, ""), polarity, laa.DEFAULT_TOLERANCE_PCT)
        for p, v in sorted(readings)
    ]


def _varied(
    readings: list[tuple[str, float]],
    level: float,
    polarity: str,
    ordinary: dict[str, Any],
    roll: float,
) -> dict[str, Any]:
    """One target in ten a little ahead, one in ten slipping in the last quarter; each kept only
    if its statuses are as meant (no flag either way), else the ordinary trajectory."""
    if roll < 0.1:  # slipping: 2009-10 set steeper than the area will manage
        for steep in (0.08, 0.10, 0.12, 0.14):
            shape = _trajectory(level, polarity, (-0.02, 0.0, steep, steep + 0.04))
            rows = _statuses(readings, shape, polarity)
            behind = [r["status"] in ("behind", "missed") for r in rows]
            if behind[-1] and not any(behind[:-1]) and max(r["gap_pct"] for r in rows) < 10:
                return shape
    elif roll < 0.2:  # a little ahead: set below the values, not far enough to flag
        for low in (-0.07, -0.075, -0.08, -0.065):
            shape = _trajectory(level, polarity, (low - 0.04, low, low + 0.02, low + 0.04))
            rows = _statuses(readings, shape, polarity)
            if rows[-1]["status"] == "ahead" and max(r["gap_pct"] for r in rows) < 9.5 and all(
                r["status"] != "behind" for r in rows
            ):
                return shape
    return ordinary


def _steady(readings: list[tuple[str, float]], shape: dict[str, Any], polarity: str) -> float:
    """The largest gap, as a share of the expected value, between the values and a trajectory."""
    target = {"indicator": "", "kind": "designated", **shape}
    rows = [laa.reading_status(target, laa.Reading(p, v, ""), polarity, 0.0) for p, v in readings]
    return max(abs(r["gap_pct"]) for r in rows) / 100


# An indicator that may become a target: its readings, level, polarity, rate and a roll.
Candidate = tuple[list[tuple[str, float]], float, str, float, float]


def _largest_gap(candidate: Candidate) -> float:
    """The largest gap, as a share of the expected value, between the values and the ordinary
    trajectory (straight, through the year's mean; computed directly, it is asked often)."""
    readings, level, polarity, rate, _ = candidate
    slope = _sign(polarity) * rate * abs(level) / 12
    worst = 0.0
    for period, value in readings:
        expected = level + slope * (laa.quarter_end_month(period) - _MID_2009)
        worst = max(worst, abs(value - expected) / abs(expected) if expected else 1.0)
    return worst


def _shape(candidate: Candidate) -> dict[str, Any]:
    readings, level, polarity, rate, roll = candidate
    return _varied(readings, level, polarity, _ordinary(level, polarity, rate), roll)


def _targets(
    ref: Reference,
    code: str,
    members: tuple[str, ...],
    series: dict[str, list[tuple[str, float]]],
    medians: dict[str, float],
    plant: Plant | None,
    rng: random.Random,
) -> list[dict[str, Any]]:
    stable = _STABLE * laa.DEFAULT_TOLERANCE_PCT / 100
    partners = list(members[1:4])
    weaker: list[tuple[float, str, Candidate]] = []
    others: list[tuple[str, Candidate]] = []
    for indicator_id, readings in sorted(series.items()):
        polarity = ref.indicators[indicator_id].polarity
        if polarity is None:
            continue
        level = _mean(readings)
        candidate = (readings, level, polarity, rng.uniform(0.015, 0.03), rng.random())
        median = medians[indicator_id]
        shortfall = laa.better_by(median, level, polarity) / abs(median)
        if shortfall > 0:
            weaker.append((-shortfall, indicator_id, candidate))
        else:
            others.append((indicator_id, candidate))
    weaker.sort()
    chosen: list[dict[str, Any]] = []
    if plant is not None:
        chosen.append(_planted_target(ref, code, series, plant, partners))
    taken = {t["indicator"] for t in chosen}
    designated, statutory = rng.randint(22, 34), 0
    for _, indicator_id, candidate in weaker:
        if indicator_id in taken or _largest_gap(candidate) > stable:
            continue
        number = int(indicator_id.removeprefix("NI "))
        if number in STATUTORY_RANGE and statutory < 12:
            kind, statutory = "statutory_education", statutory + 1
        elif sum(t["kind"] == "designated" for t in chosen) < designated:
            kind = "designated"
        else:
            continue
        chosen.append(_target(indicator_id, kind, _shape(candidate), code, partners))
        taken.add(indicator_id)
    rng.shuffle(others)
    local = (
        (i, c) for i, c in others if i not in taken and _largest_gap(c) <= stable
    )  # lazy: only until enough are found
    for indicator_id, candidate in itertools.islice(local, LOCAL_TARGETS):
        chosen.append(_target(indicator_id, "local", _shape(candidate), code, partners))
    return sorted(chosen, key=lambda t: int(t["indicator"].removeprefix("NI ")))


def _target(
    indicator_id: str, kind: str, shape: dict[str, Any], lead: str, partners: list[str]
) -> dict[str, Any]:
    return {
        "indicator": indicator_id,
        "kind": kind,
        **shape,
        "lead_partner": lead,
        "partners": partners,
    }


def _planted_target(
    ref: Reference,
    code: str,
    series: dict[str, list[tuple[str, float]]],
    plant: Plant,
    partners: list[str],
) -> dict[str, Any]:
    """The plant's designated target: the steadiest indicator of its theme, set far steeper
    (laa_behind) or far below (laa_ahead) than the area's values."""
    candidates = []
    for indicator_id, readings in sorted(series.items()):
        indicator = ref.indicators[indicator_id]
        if indicator.theme != plant.theme or indicator.polarity is None:
            continue
        level = _mean(readings)
        flat = _trajectory(level, indicator.polarity, (0.0, 0.0, 0.0, 0.0))
        candidates.append((_steady(readings, flat, indicator.polarity), indicator_id, level))
    _, indicator_id, level = min(candidates)
    polarity = ref.indicators[indicator_id].polarity or "higher_is_better"
    shares = _STEEP if plant.kind == "laa_behind" else _LOW
    return _target(indicator_id, "designated", _trajectory(level, polarity, shares), code, partners)


def _annual_report(
    ref: Reference,
    targets: list[dict[str, Any]],
    series: dict[str, list[tuple[str, float]]],
    plant: Plant | None,
    year: int,
) -> dict[str, Any]:
    """The area's own account after the year's last quarter: each target's status as the data
    shows it (the planted laa_behind area reports its slipping target as on track)."""
    rows = []
    for target in targets:
        polarity = ref.indicators[target["indicator"]].polarity or "higher_is_better"
        latest = max(series[target["indicator"]])
        status = laa.reading_status(
            target, laa.Reading(latest[0], latest[1], ""), polarity, laa.DEFAULT_TOLERANCE_PCT
        )["status"]
        row: dict[str, Any] = {"indicator": target["indicator"], "status": status}
        if plant is not None and plant.kind == "laa_behind" and status in ("behind", "missed"):
            row = {
                "indicator": target["indicator"],
                "status": "on_track",
                "commentary": "Partners expect the new programme to close the gap by March",
            }
        rows.append(row)
    return {"year": year, "targets": rows}
