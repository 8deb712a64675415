"""An area's indicator beside its peers and the nation, quarter by quarter: the figures the
public pages draw. Nobody is ranked: each quarter gives the area's value, the middle of its
peer group (areas of the same kind) and the national quartiles."""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Quarter:
    """One quarter's figures; None where nobody (or not the area) reported it."""

    period: str
    area: float | None
    peer_median: float | None
    peers_reporting: int
    national_lower_quartile: float | None
    national_median: float | None
    national_upper_quartile: float | None
    areas_reporting: int


def _quartiles(values: list[float]) -> tuple[float | None, float | None, float | None]:
    if not values:
        return None, None, None
    if len(values) == 1:
        return values[0], values[0], values[0]
    lower, middle, upper = statistics.quantiles(values, n=4, method="inclusive")
    return round(lower, 2), round(middle, 2), round(upper, 2)


def compare_quarters(
    area: str,
    year: int,
    values_by_area: Mapping[str, Mapping[str, float]],
    kind_of: Mapping[str, str],
) -> list[Quarter]:
    """Each quarter of `year` in which anyone reported: `values_by_area` maps area code ->
    period ("2009-Q3") -> value; peers are the areas of `area`'s kind, the area left out."""
    periods = sorted(
        {p for series in values_by_area.values() for p in series if p.startswith(f"{year}-Q")}
    )
    kind = kind_of.get(area)
    quarters = []
    for period in periods:
        reported = {a: s[period] for a, s in values_by_area.items() if period in s}
        peers = [v for a, v in reported.items() if a != area and kind_of.get(a) == kind]
        lower, middle, upper = _quartiles(sorted(reported.values()))
        quarters.append(
            Quarter(
                period=period,
                area=reported.get(area),
                peer_median=round(statistics.median(peers), 2) if peers else None,
                peers_reporting=len(peers),
                national_lower_quartile=lower,
                national_median=middle,
                national_upper_quartile=upper,
                areas_reporting=len(reported),
            )
        )
    return quarters
