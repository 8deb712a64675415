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

On two cores (`fork_with`), a forked copy of the service works out, value by value and ahead
of this process, what the rules make of each value's observations (`QuietCheck.fires`): that
reads only the values, the bodies' areas and the agreements in force, so the copy applies
only the events that place bodies and agree targets (`RiskService.apply_placing`) and judges
nothing. This process takes each answer from a pipe, adds the one thing the copy cannot know,
whether an earlier finding stands on the subject (`QuietCheck.is_quiet`, which depends on
what `handle` found), and handles and stores meanwhile. Should the copy end early, this
process works out the rest itself.

`tests/e2e/test_batch_identity.py` holds the two replays' `assess` output (and what they
publish) byte-identical on the sample year, on a differently seeded year, and on a stream
with redeliveries, resubmissions and districts' own reports; `riskgate assess --replay
streaming` makes the streaming replay, for comparison.
"""

from __future__ import annotations

import functools
import logging
import os
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from riskgate.domain.observations import IndicatorValue
from riskgate.service_layer import forked
from riskgate.service_layer.risk import RiskService

log = logging.getLogger(__name__)

INDICATOR = "indicator.reported"
Values = dict[str, IndicatorValue]  # period -> value, for one body's indicator
Series = dict[tuple[str, str], Values]  # (body, indicator) -> its values
CHUNK = 4096  # answers the forked copy writes at a time


@dataclass
class BatchCounts:
    """What the pass did: values only stored, and events handled in full."""

    stored: int = 0
    handled: int = 0
    forked: bool = False  # whether a forked copy worked out the rules' answers


def replay(
    risk: RiskService,
    events: Iterable[dict[str, Any]],
    *,
    fork_with: Sequence[dict[str, Any]] | None = None,
) -> BatchCounts:
    """Apply `events`, in order, to `risk` as `handle` applied to each would. `fork_with`: the
    same events, as a sequence, for a forked copy to work out the rules' answers ahead (on
    two cores or more, with the service's store in memory; else this process does)."""
    counts = BatchCounts()
    series: Series = {}
    quiet: list[dict[str, Any]] = []  # gathered, not stored yet
    # What the store's processed set holds as each event comes, gathered values included:
    # what it held before, and every event since (`handle` marks each it applies).
    applied = risk.applied()
    check = risk.quiet_check()
    ahead = _Ahead.start(risk, fork_with, applied) if fork_with and _may_fork(risk) else None
    counts.forked = ahead is not None

    def store_gathered() -> None:
        risk.store_quiet(quiet)
        counts.stored += len(quiet)
        quiet.clear()

    try:
        for event in events:
            event_id = event["event_id"]
            if event_id in applied:
                continue  # a redelivery: `handle` passes it over
            applied.add(event_id)
            if event["type"] == INDICATOR:
                verdict = None
                if ahead is not None and not _ours(event["body"]):
                    verdict = ahead.next()
                    if verdict is None:  # it ended early: this process answers from now on
                        ahead.close()
                        ahead = None
                        store_gathered()  # the values it kept are read from the store
                if verdict is None:
                    values = _with_value(series, risk, event)
                    verdict = check.fires(event, values.values(), functools.partial(_facts, values))
                if check.is_quiet(event, verdict):
                    quiet.append(event)
                    continue
            store_gathered()
            risk.handle(event)
            counts.handled += 1
            check = risk.quiet_check()  # what `handle` applied may change what it read
        store_gathered()
    finally:
        if ahead is not None:
            ahead.close()
    return counts


def _with_value(series: Series, risk: RiskService, event: dict[str, Any]) -> Values:
    """The indicator's values with the event's in place: a resubmission for a period
    replaces the earlier value, where it stood."""
    body, payload = event["body"], event["payload"]
    values = series.get((body, payload["indicator"]))
    if values is None:
        stored = risk.indicator_series(body, payload["indicator"])
        values = {p: IndicatorValue(p, *fact) for p, fact in stored.items()}
        series[(body, payload["indicator"])] = values
    values[payload["period"]] = IndicatorValue(
        payload["period"], payload["value"], event["event_id"]
    )
    return values


def _facts(values: Values) -> dict[str, tuple[float, str]]:
    """The series as the risk service's store gives it: period -> (value, event_id)."""
    return {period: (v.value, v.event_id) for period, v in values.items()}


# The share of the values this process answers for itself while its copy answers the rest:
# it also handles and stores, so about a fifth balances the two on this project's machines
# (a local setting of speed only: either process's answers are the same).
OURS_PER_MILLE = 200


@functools.lru_cache(maxsize=1 << 14)
def _ours(body: str) -> bool:
    """Whether this process, not its copy, answers for the body's values (all of one body's
    values on one side, so each keeps only its own bodies' series)."""
    return zlib.crc32(body.encode()) % 1000 < OURS_PER_MILLE


def _may_fork(risk: RiskService) -> bool:
    """Two cores to run on, and a store no file or connection holds (forked.py)."""
    return risk.in_memory and forked.two_cores()


def _answer(
    risk: RiskService, events: Iterable[dict[str, Any]], applied: set[str], out: int
) -> None:
    """In the forked copy: `QuietCheck.fires` for each indicator value `replay` will ask about,
    in order, one byte each, written to `out`."""
    series: Series = {}
    check = risk.quiet_check()
    answers = bytearray()
    for event in events:
        event_id = event["event_id"]
        if event_id in applied:
            continue
        applied.add(event_id)
        if event["type"] != INDICATOR:
            if event["type"] in risk.PLACING:
                risk.apply_placing(event)
                check = risk.quiet_check()
            continue
        if _ours(event["body"]):
            continue  # the parent answers for these bodies' values itself
        values = _with_value(series, risk, event)
        answers.append(check.fires(event, values.values(), functools.partial(_facts, values)))
        if len(answers) >= CHUNK:
            forked.write_all(out, answers)
            answers.clear()
    forked.write_all(out, answers)


class _Ahead:
    """The forked copy's answers, read from its pipe as `replay` needs them."""

    def __init__(self, copy: forked.Copy) -> None:
        self._copy = copy
        self._answers = b""
        self._at = 0

    @classmethod
    def start(
        cls, risk: RiskService, events: Sequence[dict[str, Any]], applied: set[str]
    ) -> _Ahead:
        return cls(forked.Copy(functools.partial(_answer, risk, events, applied)))

    def next(self) -> int | None:
        """The answer for the next value, waiting for it; None once the copy has ended."""
        if self._at == len(self._answers):
            if self._copy.fd is None:
                return None
            chunk = os.read(self._copy.fd, 1 << 16)
            if not chunk:  # it ended before answering every value: a failure, not the end
                log.warning("the batch pass's forked copy ended early; this process goes on alone")
                self.close()
                return None
            self._answers, self._at = chunk, 0
        self._at += 1
        return self._answers[self._at - 1]

    def close(self) -> None:
        """Stop the copy if it still runs, and reap it."""
        self._copy.close()
