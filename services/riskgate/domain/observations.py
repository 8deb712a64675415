"""Observations: the facts about one subject that rules judge.

Each function is pure and depends only on the set of facts, never on the order
they arrived in, so replaying the same events gives the same observations.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple


class IndicatorValue(NamedTuple):
    """One reported value of a body's indicator (a tuple: one is made per stored value every
    time a series is observed)."""

    period: str  # "2009-Q3"
    value: float
    event_id: str


class Complaint(NamedTuple):
    """One complaint about a body (a tuple: every complaint about it is made again each time
    another comes in)."""

    event_id: str
    occurred_at: str
    theme: str
    upheld: bool | None
    channel: str
    formal: bool = False
    partner: str | None = None


# A complaint's or finding's time, parsed once per distinct text: every later event about the
# body sorts and windows the same facts again.
_moment = functools.lru_cache(maxsize=1 << 16)(datetime.fromisoformat)


@functools.cache
def _quarter_index(period: str) -> int:
    year, quarter = period.split("-Q")
    return int(year) * 4 + int(quarter) - 1


def is_worse(value: float, floor: float, polarity: str | None) -> bool:
    """Whether a value is on the wrong side of its floor, given the indicator's polarity."""
    return value > floor if polarity == "lower_is_better" else value < floor


def indicator_subject(indicator: str) -> str:
    """The subject of an indicator's observations (what a finding on it is filed under)."""
    return indicator


def contribution_prefix(body: str, subject: str) -> str:
    """The start of the key a rule's finding on an observation is kept under
    (`body|subject|rule_id`): what every finding on that body and subject shares."""
    return f"{body}|{subject}|"


def indicator_observation(
    *,
    body: str,
    area: str,
    indicator: str,
    theme: str,
    polarity: str | None,
    year: int,
    series: Iterable[IndicatorValue],
    floor: float | None,
) -> dict[str, Any]:
    """One area's indicator over one year, against its floor."""
    quarter_of_year = f"{year}-Q"
    values = [v for v in series if v.period.startswith(quarter_of_year)]
    if len(values) > 1:
        values.sort(key=_period)
    judged = floor is not None and polarity is not None
    longest: list[IndicatorValue] = []
    run: list[IndicatorValue] = []
    previous = -2
    for v in values:
        index = _quarter_index(v.period)
        if judged and is_worse(v.value, floor, polarity):  # type: ignore[arg-type]
            run = [*run, v] if run and index == previous + 1 else [v]
            if len(run) > len(longest):
                longest = run
        else:
            run = []
        previous = index
    latest = values[-1] if values else None
    trend = _worsening_run(values, polarity)
    return {
        "observation": "indicator",
        "subject": indicator_subject(indicator),
        "body": body,
        "area": area,
        "indicator": indicator,
        "theme": theme,
        "polarity": polarity,
        "year": year,
        "floor": floor,
        "latest_period": latest.period if latest else None,
        "latest_value": latest.value if latest else None,
        "latest_worse_than_floor": bool(
            latest and floor is not None and polarity and is_worse(latest.value, floor, polarity)
        ),
        "quarters_worse_than_floor": len(longest),
        "quarters_worsening": max(len(trend) - 1, 0),
        "worsening_pct": _change_pct(trend, polarity) if len(trend) > 1 else 0.0,
        "evidence": _values(longest or values[-1:]),
        "trend_evidence": _values(trend),
    }


_period = operator.attrgetter("period")


def _values(run: list[IndicatorValue]) -> list[dict[str, Any]]:
    return [{"event_id": v.event_id, "period": v.period, "value": v.value} for v in run]


def _worsening_run(
    values: list[IndicatorValue], polarity: str | None, improving: bool = False
) -> list[IndicatorValue]:
    """The quarters, ending with the latest, over which the indicator got worse (or better)
    every quarter."""
    if polarity is None or not values:
        return []
    run = [values[-1]]
    for earlier in reversed(values[:-1]):
        later = run[0]
        if _quarter_index(later.period) != _quarter_index(earlier.period) + 1:
            break
        before, after = (later, earlier) if improving else (earlier, later)
        if not is_worse(after.value, before.value, polarity):
            break
        run.insert(0, earlier)
    return run if len(run) > 1 else []


def _change_pct(run: list[IndicatorValue], polarity: str | None) -> float:
    """How much worse the last value is than the first, as a percentage of the first."""
    first, last = run[0].value, run[-1].value
    if first == 0:
        return 0.0
    change = (last - first) if polarity == "lower_is_better" else (first - last)
    return round(change / abs(first) * 100, 1)


PEER_EVIDENCE = ("evidence", "trend_evidence", "improvement_evidence")


def peer_observations(
    *,
    indicator: str,
    theme: str,
    polarity: str,
    year: int,
    kind_of: Mapping[str, str],
    series_by_area: Mapping[str, Iterable[IndicatorValue]],
    evidence: bool = True,
) -> list[dict[str, Any]]:
    """Each area's indicator for the year ranked among areas of the same kind.

    Made in the annual assessment, once every area's figures are in: rank 1 is
    the best annual average in the comparator group. Without `evidence`, the fields of
    PEER_EVIDENCE are left out, for a caller that reads the rest first and adds them where
    it needs them (`with_peer_evidence`: the same observation, field for field).
    """
    yearly = {area: _in_year(values, year) for area, values in series_by_area.items()}
    groups: dict[str, list[tuple[float, str]]] = {}
    for area, values in yearly.items():
        if values:
            mean = sum(v.value for v in values) / len(values)
            groups.setdefault(kind_of[area], []).append((mean, area))
    out = []
    for kind, members in sorted(groups.items()):
        best_first = sorted(
            members, key=lambda m: (-m[0] if polarity == "higher_is_better" else m[0], m[1])
        )
        size = len(best_first)
        for rank, (mean, area) in enumerate(best_first, start=1):
            values = yearly[area]
            worse, better = _peer_runs(values, polarity)
            observation = {
                "observation": "peers",
                "subject": f"{indicator} among {kind} areas",
                "concern": indicator,
                "body": area,
                "area": area,
                "indicator": indicator,
                "theme": theme,
                "polarity": polarity,
                "year": year,
                "peer_group": kind,
                "peer_group_size": size,
                "peer_rank": rank,
                "peer_quartile": (rank - 1) * 4 // size + 1,
                "peer_decile": (rank - 1) * 10 // size + 1,
                "annual_mean": round(mean, 2),
                "quarters_worsening": max(len(worse) - 1, 0),
                "worsening_pct": _change_pct(worse, polarity) if worse else 0.0,
                "quarters_improving": max(len(better) - 1, 0),
                "improving_pct": -_change_pct(better, polarity) if better else 0.0,
            }
            if evidence:
                observation.update(_peer_evidence(values, worse, better))
            out.append(observation)
    return out


def with_peer_evidence(
    observation: Mapping[str, Any], series: Iterable[IndicatorValue]
) -> dict[str, Any]:
    """A peer observation made without `evidence`, with the fields of PEER_EVIDENCE added
    from the area's `series` (the one it was made from)."""
    values = _in_year(series, observation["year"])
    return {
        **observation,
        **_peer_evidence(values, *_peer_runs(values, observation["polarity"])),
    }


def _in_year(series: Iterable[IndicatorValue], year: int) -> list[IndicatorValue]:
    quarter_of_year = f"{year}-Q"
    return sorted((v for v in series if v.period.startswith(quarter_of_year)), key=_period)


def _peer_runs(
    values: list[IndicatorValue], polarity: str
) -> tuple[list[IndicatorValue], list[IndicatorValue]]:
    """The quarters, ending with the latest, over which the indicator got worse every
    quarter, and those over which it got better."""
    return _worsening_run(values, polarity), _worsening_run(values, polarity, improving=True)


def _peer_evidence(
    values: list[IndicatorValue], worse: list[IndicatorValue], better: list[IndicatorValue]
) -> dict[str, list[dict[str, Any]]]:
    return {
        "evidence": _values(values),
        "trend_evidence": _values(worse),
        "improvement_evidence": _values(better),
    }


def complaints_observation(
    *,
    body: str,
    area: str,
    theme: str,
    complaints: Iterable[Complaint],
    population: int | None,
) -> dict[str, Any]:
    """A body's complaints on one theme in the 12 months to the latest complaint seen."""
    # In time order, not text order: integrators send different zone offsets.
    on_theme = sorted(
        (c for c in complaints if c.theme == theme),
        key=lambda c: (_moment(c.occurred_at), c.event_id),
    )
    subject = {
        "observation": "complaints",
        "subject": f"complaints:{body}",
        "body": body,
        "area": area,
        "theme": theme,
    }
    if not on_theme:
        return {**subject, "evidence": []}
    end = _moment(on_theme[-1].occurred_at)
    start = end - timedelta(days=365)
    window = [c for c in on_theme if _moment(c.occurred_at) > start]
    upheld = [c for c in window if c.upheld]
    rate = round(len(upheld) / population * 10_000, 3) if population else None
    from_partners = [c for c in window if c.formal and c.channel == "partner" and c.partner]
    return {
        **subject,
        "year": end.year,
        "window_start": start.date().isoformat(),
        "window_end": end.date().isoformat(),
        "population": population,
        "complaints_12m": len(window),
        "complaints_per_10k_12m": (
            round(len(window) / population * 10_000, 3) if population else None
        ),
        "upheld_12m": len(upheld),
        "upheld_per_10k_12m": rate,
        "upheld_ombudsman_12m": sum(c.channel == "ombudsman" for c in upheld),
        "formal_partner_complaints_12m": len(from_partners),
        "distinct_partners_12m": len({c.partner for c in from_partners}),
        "evidence": [{"event_id": c.event_id, "occurred_at": c.occurred_at} for c in upheld],
        "ombudsman_evidence": [
            {"event_id": c.event_id, "occurred_at": c.occurred_at}
            for c in upheld
            if c.channel == "ombudsman"
        ],
        "partner_evidence": [
            {"event_id": c.event_id, "occurred_at": c.occurred_at, "partner": c.partner}
            for c in from_partners
        ],
    }


@dataclass(frozen=True)
class Finding:
    event_id: str
    occurred_at: str
    inspection_id: str
    inspectorate: str
    finding: int


def finding_observation(
    *, body: str, area: str, theme: str, findings: Iterable[Finding]
) -> dict[str, Any]:
    """The most recent inspection finding on a theme for a body (1 inadequate ... 4 outstanding)."""
    latest = max(findings, key=lambda f: (_moment(f.occurred_at), f.event_id))
    return {
        "observation": "finding",
        "subject": "inspection finding",
        "body": body,
        "area": area,
        "theme": theme,
        "year": datetime.fromisoformat(latest.occurred_at).year,
        "finding": latest.finding,
        "inspectorate": latest.inspectorate,
        "inspection_id": latest.inspection_id,
        "evidence": [{"event_id": latest.event_id, "finding": latest.finding}],
    }


def observation_values(observation: Mapping[str, Any]) -> dict[str, Any]:
    """The figures a judgement quotes: every field but the bookkeeping ones."""
    skip = {"observation", "subject", "body", "area", "theme"}
    return {
        k: v
        for k, v in observation.items()
        if k not in skip and not k.endswith("evidence") and v is not None
    }


def audit_observations(
    *, body: str, area: str, year: int, event_id: str, scores: Mapping[str, int | None]
) -> list[dict[str, Any]]:
    """A council's audit scores (1 performs poorly ... 4 excellently), one observation per theme.

    `scores` maps the organisational themes (use_of_resources, managing_performance)
    to the score the auditor gave; an unscored theme gives no observation.
    """
    return [
        {
            "observation": "audit",
            "subject": f"{theme.replace('_', ' ')} score",
            "body": body,
            "area": area,
            "theme": theme,
            "year": year,
            "score": score,
            "evidence": [{"event_id": event_id, "score": score}],
        }
        for theme, score in sorted(scores.items())
        if score is not None
    ]


def combined_observation(
    *, area: str, theme: str, year: int, contributions: Iterable[Mapping[str, Any]]
) -> dict[str, Any]:
    """What the rules have already found for one area and theme, for rules that combine them.

    `fired` lists every rule with a standing contribution (so a rule can ask for
    "IND-FLOOR-2Q and CMP-UPHELD-RATE"); the counts let it ask for "red from two
    kinds of evidence". Contributions of combining rules themselves are left out.
    """
    parts = sorted(
        (c for c in contributions if c["subject"] != COMBINED_SUBJECT),
        key=lambda c: (c["body"], c["subject"], c["rule_id"]),
    )
    red = [c for c in parts if c["flag"] == "red"]
    return {
        "observation": "combined",
        "subject": COMBINED_SUBJECT,
        "body": area,
        "area": area,
        "theme": theme,
        "year": year,
        "fired": sorted({c["rule_id"] for c in parts}),
        "red_count": len(red),
        "green_count": sum(c["flag"] == "green" for c in parts),
        "red_bodies": len({c["body"] for c in red}),
        "evidence": list({e["event_id"]: e for c in parts for e in c["evidence"]}.values()),
    }


COMBINED_SUBJECT = "evidence combined"
