"""An area's performance against every national indicator, for the public (White Paper 2.22,
6.47: "publishing annually local authorities' performance against all their national outcome
indicators"): the series, the LAA target, the national quartile and the area's position among
its statistical peers. No league table: an area's answer names only its own position.

Peers are the areas of the same kind (county, metropolitan district, London borough, unitary),
as the peer rules compare them (rules/peers.yaml).
"""

from __future__ import annotations

import statistics
import time
import weakref
from typing import TYPE_CHECKING, Any

from riskgate.domain import laa
from riskgate.domain.errors import NotFound

if TYPE_CHECKING:
    from riskgate.bootstrap import System

_CACHE_SECONDS = 30.0
# Per store (a test's system never sees another's), per year: (when, means).
_means: weakref.WeakKeyDictionary[Any, dict[int, tuple[float, dict[str, dict[str, float]]]]] = (
    weakref.WeakKeyDictionary()
)


def yearly_means(system: System, year: int) -> dict[str, dict[str, float]]:
    """indicator -> area -> the area's mean of the year's reported quarters (kept briefly)."""
    kept = _means.setdefault(system.store, {})
    cached = kept.get(year)
    if cached is not None and time.monotonic() - cached[0] < _CACHE_SECONDS:
        return cached[1]
    out: dict[str, dict[str, float]] = {}
    for code in system.reference.indicators:
        for area in system.reference.areas:
            series = system.risk.indicator_series(area, code)
            values = [v for p, (v, _) in series.items() if p.startswith(f"{year}-Q")]
            if values:
                out.setdefault(code, {})[area] = statistics.fmean(values)
    kept[year] = (time.monotonic(), out)
    return out


def _position(mean: float, others: list[float], polarity: str) -> tuple[int, int]:
    """(rank, of): 1 is the best value in the group."""
    better = sum(laa.better_by(o, mean, polarity) > 0 for o in others)
    return better + 1, len(others)


def area_indicators(system: System, code: str, year: int) -> dict[str, Any]:
    """Every indicator the area reported in the year (and the year before), with its target,
    national quartile and position among its peers; `local` LAA targets are not shown."""
    area = system.reference.areas.get(code)
    if area is None:
        raise NotFound(f"unknown area {code}: areas are upper-tier and unitary councils")
    means = yearly_means(system, year)
    peers = [a for a, other in system.reference.areas.items() if other.kind == area.kind]
    agreement = system.risk.laa.agreement(code)
    targets = {
        t["indicator"]: t
        for t in (agreement or {}).get("targets", [])
        if t["kind"] in laa.REPORTED_KINDS
    }
    rows = []
    for indicator_id, indicator in system.reference.indicators.items():
        series = system.risk.indicator_series(code, indicator_id)
        shown = sorted(p for p in series if p[:4] in (str(year), str(year - 1)))
        if not shown:
            continue
        mean = means.get(indicator_id, {}).get(code)
        row: dict[str, Any] = {
            "indicator": indicator_id,
            "title": indicator.title,
            "theme": indicator.theme,
            "polarity": indicator.polarity,
            "series": [{"period": p, "value": series[p][0]} for p in shown],
            "annual_mean": None if mean is None else round(mean, 3),
            "target": _target(targets.get(indicator_id)),
            "national_quartile": None,
            "peer_position": None,
        }
        if mean is not None and indicator.polarity is not None:
            national = list(means[indicator_id].values())
            rank, size = _position(mean, national, indicator.polarity)
            row["national_quartile"] = (rank - 1) * 4 // size + 1
            group = [means[indicator_id][p] for p in peers if p in means[indicator_id]]
            rank, size = _position(mean, group, indicator.polarity)
            row["peer_position"] = {"rank": rank, "of": size, "peer_group": area.kind}
        rows.append(row)
    return {
        "area": code,
        "name": area.name,
        "year": year,
        "peer_group": area.kind,
        "indicators": rows,
    }


def _target(target: dict[str, Any] | None) -> dict[str, Any] | None:
    if target is None:
        return None
    return {
        "kind": target["kind"],
        "baseline": target["baseline"],
        "trajectory": target["trajectory"],
        "lead_partner": target["lead_partner"],
    }
