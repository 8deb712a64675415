"""The sample year's registrations and indicator reports: every council registered with a
synthetic population, every area reporting every national indicator each quarter."""

from __future__ import annotations

import random
import zlib
from datetime import UTC, date, datetime, timedelta
from typing import Any

from riskgate.domain.reference import Reference
from riskgate.sample.floors import floors
from riskgate.sample.ids import DATA_HUB, event_id, stream, timestamp
from riskgate.sample.plan import Plan
from riskgate.service_layer.common import envelope


def registrations(ref: Reference, plan: Plan, year: int, seed: int) -> list[dict[str, Any]]:
    at = timestamp(datetime(year, 1, 5, 9, tzinfo=UTC))
    return [
        envelope(
            event_id=event_id(year, seed, f"body.registered/{c.code}"),
            type="body.registered",
            occurred_at=at,
            source=DATA_HUB,
            body=c.code,
            payload={
                "name": c.name,
                "kind": c.kind,
                "area": c.upper_tier_code,
                "population": plan.populations[c.code],
                "population_source": "synthetic",
            },
        )
        for c in sorted(ref.councils.values(), key=lambda c: c.code)
    ]


def _quarter_report_times(year: int) -> list[str]:
    quarter_ends = [date(year, 3, 31), date(year, 6, 30), date(year, 9, 30), date(year, 12, 31)]
    return [
        timestamp(
            datetime.combine(end + timedelta(days=30), datetime.min.time(), UTC).replace(hour=9)
        )
        for end in quarter_ends
    ]


def _baseline(indicator_id: str) -> float:
    # Stable across processes and seeds (crc32, not the salted built-in hash).
    return 20 + (zlib.crc32(indicator_id.encode()) % 6001) / 100


def _normal_values(indicator_id: str, rng: random.Random) -> list[float]:
    floor = floors().get(indicator_id)
    if floor is None:
        level = _baseline(indicator_id) + rng.uniform(-8, 8)
        return [round(level + rng.uniform(-1.5, 1.5), 2) for _ in range(4)]
    spread = floor.normal_high - floor.normal_low
    level = rng.uniform(floor.normal_low + 0.1 * spread, floor.normal_high - 0.1 * spread)
    return [
        round(
            min(floor.normal_high, max(floor.normal_low, level + rng.uniform(-0.1, 0.1) * spread)),
            2,
        )
        for _ in range(4)
    ]


def indicator_reports(ref: Reference, plan: Plan, year: int, seed: int) -> list[dict[str, Any]]:
    rng = stream(year, seed, "indicators")
    times = _quarter_report_times(year)
    periods = [f"{year}-Q{q}" for q in range(1, 5)]
    events: list[dict[str, Any]] = []
    for area in sorted(ref.areas):
        for indicator_id in ref.indicators:
            values = _normal_values(indicator_id, rng)
            bad = plan.bad_values.get((area, indicator_id))
            if bad is not None:
                values[1:] = bad
            for period, at, value in zip(periods, times, values, strict=True):
                events.append(
                    envelope(
                        event_id=event_id(
                            year, seed, f"indicator.reported/{area}/{indicator_id}/{period}"
                        ),
                        type="indicator.reported",
                        occurred_at=at,
                        source=DATA_HUB,
                        body=area,
                        payload={"indicator": indicator_id, "period": period, "value": value},
                    )
                )
    return events
