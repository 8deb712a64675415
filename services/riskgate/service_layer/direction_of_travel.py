"""Direction of Travel for every council, from the facts the risk service holds: its indicator
series (a district without a series of its own is judged on its area's, and says so), its
area's LAA targets and its self-assessed action plans. Published beside Use of Resources."""

from __future__ import annotations

import time
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from riskgate.domain import direction_of_travel as dot
from riskgate.domain.vocabulary import AREA_THEMES

if TYPE_CHECKING:
    from riskgate.bootstrap import System
    from riskgate.domain.rules import RuleSet

_CACHE_SECONDS = 30.0  # the national medians read every area's series: kept briefly
# Per store (a test's system never sees another's), per year: (when, changes, medians).
_national: weakref.WeakKeyDictionary[
    Any, dict[int, tuple[float, dict[str, dict[str, float]], dict[str, float]]]
] = weakref.WeakKeyDictionary()


def indicator_changes(system: System, body: str, year: int) -> dict[str, float]:
    """Each of the body's indicators' improvement-signed % change over the year."""
    out = {}
    for code, indicator in system.reference.indicators.items():
        if indicator.polarity is None:
            continue
        series = system.risk.indicator_series(body, code)
        change = dot.change_pct(series, year, indicator.polarity) if series else None
        if change is not None:
            out[code] = change[0]
    return out


def changes_and_medians(
    system: System, year: int
) -> tuple[dict[str, dict[str, float]], dict[str, float]]:
    """Every area's changes, and the national median change per indicator."""
    kept = _national.setdefault(system.store, {})
    cached = kept.get(year)
    if cached is not None and time.monotonic() - cached[0] < _CACHE_SECONDS:
        return cached[1], cached[2]
    by_area = {code: indicator_changes(system, code, year) for code in system.reference.areas}
    medians = dot.national_median_changes(by_area.values())
    kept[year] = (time.monotonic(), by_area, medians)
    return by_area, medians


def directions(
    system: System,
    year: int,
    bodies: list[str] | None = None,
    *,
    ruleset: RuleSet | None = None,
    laa_rows: Mapping[str, list[dict[str, Any]]] | None = None,
) -> dict[str, dict[str, Any]]:
    """Direction of Travel per council (default: every council in the reference data).
    `ruleset` and `laa_rows` (area -> its reported LAA targets observed for the year, as
    `LocalAreaAgreements.targets` gives them) spare a caller that has read them already."""
    by_area, medians = changes_and_medians(system, year)
    ruleset = system.rules.current() if ruleset is None else ruleset
    thresholds = ruleset.parameters.get("direction_of_travel", {})
    laa_by_area: dict[str, list[str | None]] = {
        area: [r["status"] for r in rows] for area, rows in (laa_rows or {}).items()
    }
    out = {}
    for body in bodies if bodies is not None else sorted(system.reference.councils):
        area = system.reference.area_of(body) or body
        own = by_area.get(body) if body in by_area else indicator_changes(system, body, year)
        changes, series_of = (own, body) if own else (by_area.get(area, {}), area)
        if area not in laa_by_area:
            rows = system.risk.laa.targets(
                area, year, system.risk.indicator_series, ruleset, include_local=False
            )
            laa_by_area[area] = [r["status"] for r in rows]
        plans = [
            concern["status"]
            for theme in AREA_THEMES
            for concern in system.risk.self_assessed(area, year, theme).values()
        ]
        out[body] = dot.direction_of_travel(
            body=body,
            year=year,
            changes=changes,
            national=medians,
            laa_statuses=laa_by_area[area],
            plan_statuses=plans,
            series_of=series_of,
            thresholds=thresholds,
        )
    return out


# Per store, per year: (when, councils by score); the ladder asks on every read.
_scored: weakref.WeakKeyDictionary[Any, dict[int, tuple[float, dict[str, int | None]]]] = (
    weakref.WeakKeyDictionary()
)


def councils_scoring(system: System, year: int, score: int) -> list[str]:
    """The councils whose Direction of Travel for `year` is `score` (every council judged,
    kept briefly as the national medians are)."""
    kept = _scored.setdefault(system.store, {})
    cached = kept.get(year)
    if cached is None or time.monotonic() - cached[0] >= _CACHE_SECONDS:
        scores = {body: d["score"] for body, d in directions(system, year).items()}
        cached = kept[year] = (time.monotonic(), scores)
    return sorted(body for body, s in cached[1].items() if s == score)
