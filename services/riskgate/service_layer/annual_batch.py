"""The batch annual pass: a year's events into the risk picture in one pass over plain state,
leaving exactly what the streaming replay (each event through `RiskService.handle`) leaves.

Of the sample year's 127,411 events, 120,384 are indicator values, and nearly all of them
only add a value to a series: no rule fires on the indicator's observation or on the LAA
target it feeds, and the subject has no earlier finding to go stale, so handling one stores
the value, the peer comparison's cue and the processed marker, and judges nothing. The pass
keeps each series as plain values in memory, asks the risk service whether the value is
quiet by the reference rule semantics (`RiskService.quiet_check`, the check the rule
engine's own pre-filter makes), and gathers the quiet ones to store in one transaction.
Every other event, and every indicator value on which a rule fires or a finding would go
stale, goes through `handle` itself once what was gathered before it is stored, so it reads
and judges the picture exactly as it would have in the streaming replay.

`tests/e2e/test_batch_identity.py` holds the two replays' `assess` output (and what they
publish) byte-identical on the sample year, on a differently seeded year, and on a stream
with redeliveries, resubmissions and districts' own reports; `riskgate assess --replay
streaming` makes the streaming replay, for comparison.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from riskgate.domain.observations import IndicatorValue
from riskgate.service_layer.risk import RiskService

INDICATOR = "indicator.reported"
Values = dict[str, IndicatorValue]  # period -> value, for one body's indicator


@dataclass
class BatchCounts:
    """What the pass did: values only stored, and events handled in full."""

    stored: int = 0
    handled: int = 0


def replay(risk: RiskService, events: Iterable[dict[str, Any]]) -> BatchCounts:
    """Apply `events`, in order, to `risk` as `handle` applied to each would."""
    counts = BatchCounts()
    series: dict[tuple[str, str], Values] = {}
    quiet: list[dict[str, Any]] = []  # gathered, not stored yet
    # What the store's processed set holds as each event comes, gathered values included:
    # what it held before, and every event since (`handle` marks each it applies).
    applied = risk.applied()
    check = risk.quiet_check()

    def store_gathered() -> None:
        risk.store_quiet(quiet)
        counts.stored += len(quiet)
        quiet.clear()

    for event in events:
        event_id = event["event_id"]
        if event_id in applied:
            continue  # a redelivery: `handle` passes it over
        applied.add(event_id)
        if event["type"] != INDICATOR:
            store_gathered()
            risk.handle(event)
            counts.handled += 1
            check = risk.quiet_check()  # what `handle` applied may change what it read
            continue
        body, payload = event["body"], event["payload"]
        values = series.get((body, payload["indicator"]))
        if values is None:
            stored = risk.indicator_series(body, payload["indicator"])
            values = {p: IndicatorValue(p, *fact) for p, fact in stored.items()}
            series[(body, payload["indicator"])] = values
        # A resubmission for a period replaces the earlier value, where it stood.
        values[payload["period"]] = IndicatorValue(payload["period"], payload["value"], event_id)
        if check.is_quiet(event, values.values(), functools.partial(_facts, values)):
            quiet.append(event)
        else:
            store_gathered()
            risk.handle(event)
            counts.handled += 1
            check = risk.quiet_check()
    store_gathered()
    return counts


def _facts(values: Values) -> dict[str, tuple[float, str]]:
    """The series as the risk service's store gives it: period -> (value, event_id)."""
    return {period: (v.value, v.event_id) for period, v in values.items()}
