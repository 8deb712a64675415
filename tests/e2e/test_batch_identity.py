"""The risk service judges a year identically however its events are applied: each committed
on its own (the streaming replay, as the live consumer does outside a poll), a poll at a time
(its consumer, `PollBatch`), or in the batch annual pass that `assess` and `rules simulate`
make (service_layer/annual_batch.py): the whole `assess` document, byte for byte, on the
sample year, on a year generated from another seed, on a hostile stream, and where an event
the pass hands to the handler changes what its quiet check has read that day."""

from __future__ import annotations

import contextlib
import json
import os
import random
from typing import Any

import pytest

from riskgate import topics
from riskgate.bootstrap import System, bootstrap
from riskgate.config import Settings
from riskgate.domain.reference import load_reference
from riskgate.sample import generate_year
from riskgate.sample.ids import SAMPLE_SEED
from riskgate.service_layer import annual_batch, forked
from riskgate.service_layer.annual_assessment import assess_year, replay
from riskgate.service_layer.gc_pause import collections_paused
from tests.conftest import RULES_DIR

POLL = 500  # records in one poll, as the consumers ask for


def _document(system: System) -> str:
    return json.dumps(assess_year(system, 2009), sort_keys=True, indent=2, ensure_ascii=False)


def _system() -> System:
    return bootstrap(Settings(rules_dir=RULES_DIR))


def _streamed(events: list[dict[str, Any]]) -> System:
    system = _system()
    replay(system, events, streaming=True)
    return system


def _in_polls(events: list[dict[str, Any]]) -> System:
    system = _system()
    batch = system.risk.poll_batch
    for start in range(0, len(events), POLL):
        batch.begin()
        for event in events[start : start + POLL]:
            system.risk.handle(event)
        batch.end()
    return system


def _published(system: System) -> list[tuple[str, bytes]]:
    return [
        (topic, record.value)
        for topic in (topics.JUDGEMENTS, topics.REQUESTS)
        for record in system.bus.read_all(topic)
    ]


@pytest.mark.parametrize("seed", [SAMPLE_SEED, SAMPLE_SEED + 7])
def test_polls_and_the_batch_pass_judge_the_year_as_events_committed_one_by_one(
    seed: int,
) -> None:
    events = generate_year(2009, seed)
    with collections_paused():  # as `assess` replays: see gc_pause.py
        _judged_alike(events)


def _judged_alike(events: list[dict[str, Any]]) -> None:
    streamed = _streamed(events)
    expected = _document(streamed)
    assert '"flag": "red"' in expected and '"flag": "green"' in expected
    assert _document(_in_polls(events)) == expected

    for batched, counts in _batched(events):
        # Nearly every indicator value is only stored; every other event is handled in full.
        assert counts.stored > 110_000
        assert counts.stored + counts.handled == len(events)
        assert _document(batched) == expected
        # The judgements and requests published on the way are the same, in the same order.
        assert _published(batched) == _published(streamed)
        assert batched.risk.peers_due() == streamed.risk.peers_due()


TWO_CORES = len(os.sched_getaffinity(0)) >= 2


def _batched(events: list[dict[str, Any]]) -> list[tuple[System, annual_batch.BatchCounts]]:
    """The batch pass in this process alone, and with its forked copy answering ahead (as
    `assess` makes it on two cores)."""
    out = []
    for fork_with in (None, events):
        system = _system()
        counts = annual_batch.replay(system.risk, events, fork_with=fork_with)
        assert counts.forked == (fork_with is not None and TWO_CORES)
        out.append((system, counts))
    return out


def test_the_batch_pass_passes_over_redeliveries_and_keeps_resubmissions_as_streaming_does() -> (
    None
):
    """A stream with events delivered twice (one of them once the first was stored),
    indicator values resubmitted for a period under new ids, some worse than the floor, and
    values a county's districts report for themselves (the sample's come from areas only)."""
    rng = random.Random(2009)
    events = generate_year(2009)
    placed = [(n, 0, event) for n, event in enumerate(events)]
    for n in rng.sample(range(len(events)), 300):  # redelivered a little later
        placed.append((n + rng.randint(1, 50), 1, events[n]))
    values = [n for n, e in enumerate(events) if e["type"] == "indicator.reported"]
    for k, n in enumerate(rng.sample(values, 400)):  # resubmitted, often much worse
        event, payload = events[n], events[n]["payload"]
        again = {
            **event,
            "event_id": f"resubmitted-{k}",
            "payload": {**payload, "value": payload["value"] * rng.choice([0.2, 1.0, 5.0])},
        }
        placed.append((n + rng.randint(1, 2_000), 1, again))
    areas = load_reference().areas
    counties = [code for code in sorted(areas) if len(areas[code].members) > 1]
    districts = [n for n in values if events[n]["body"] in counties]
    for k, n in enumerate(rng.sample(districts, 300)):  # the same figure, from a district
        event, payload = events[n], events[n]["payload"]
        again = {
            **event,
            "event_id": f"district-{k}",
            "body": rng.choice(areas[event["body"]].members[1:]),
            "payload": {**payload, "value": payload["value"] * rng.choice([0.2, 1.0, 5.0])},
        }
        placed.append((n, 1, again))
    stream = [event for _, _, event in sorted(placed, key=lambda p: (p[0], p[1]))]
    with collections_paused():
        streamed = _streamed(stream)
        for batched, counts in _batched(stream):
            assert counts.stored + counts.handled == len(events) + 700  # redeliveries passed over
            assert _document(batched) == _document(streamed)
            assert _published(batched) == _published(streamed)


def test_an_agreement_the_pass_handles_is_in_force_for_the_values_after_it_that_day() -> None:
    """The quiet check keeps which agreement is in force for an area on a day; an agreement
    that comes between two values of that day must be the one the later value meets."""
    area, indicator = "E06000001", "NI 8"  # Hartlepool

    def event(n: int, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {
            "event_id": f"same-day-{n}",
            "type": kind,
            "occurred_at": f"2009-04-30T{9 + n:02d}:00:00+00:00",
            "source": "test",
            "body": area,
            "payload": payload,
        }

    target = {  # 20 by March 2009 and 26 by March 2010: 18 is behind in both quarters
        "indicator": indicator,
        "kind": "designated",
        "baseline": {"period": "2007-08", "value": 19},
        "trajectory": [{"period": "2008-09", "value": 20}, {"period": "2009-10", "value": 26}],
        "lead_partner": area,
        "partners": [],
    }
    stream = [
        event(0, "indicator.reported", {"indicator": indicator, "period": "2009-Q1", "value": 18}),
        event(1, "laa.agreed", {"period_start": "2008-09", "period_end": "2009-10",
                                "effective_from": "2008-06-30", "targets": [target]}),
        event(2, "indicator.reported", {"indicator": indicator, "period": "2009-Q2", "value": 18}),
    ]  # fmt: skip
    streamed = _streamed(stream)
    for batched, counts in _batched(stream):  # the forked copy applies the agreement too
        judged = batched.risk.assessment(area, 2009)
        assert {t["flag"] for t in judged.values()} == {"red"}
        assert {e["rule_id"] for t in judged.values() for e in t["evidence"]} == {"LAA-BEHIND-2P"}
        assert counts.stored == 1  # the first value, before the agreement
        assert _document(batched) == _document(streamed)
        assert _published(batched) == _published(streamed)


@pytest.mark.skipif(not TWO_CORES, reason="the pass forks a copy only on two cores or more")
@pytest.mark.parametrize("answered", [0, 5_000])
def test_the_pass_goes_on_alone_when_its_forked_copy_ends_early(
    answered: int, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The copy fails at once, or after its first answers: this process works out the rest
    itself, and judges the year as the pass alone does."""
    events = generate_year(2009)
    alone = _system()
    with collections_paused():
        annual_batch.replay(alone.risk, events)
    answer = annual_batch._answer

    def ends_early(risk: Any, stream: Any, applied: Any, out: int) -> None:
        if not answered:
            raise RuntimeError("the copy failed")

        class Enough(Exception):
            pass

        written = 0
        real_write = forked.write_all

        def write(fd: int, data: bytes | bytearray) -> None:
            nonlocal written
            if written >= answered:
                raise Enough
            real_write(fd, data)
            written += len(data)

        monkeypatch.setattr(forked, "write_all", write)
        with contextlib.suppress(Enough):  # it ends there, as a copy that failed would
            answer(risk, stream, applied, out)

    monkeypatch.setattr(annual_batch, "_answer", ends_early)
    helped = _system()
    with collections_paused():
        counts = annual_batch.replay(helped.risk, events, fork_with=events)
    assert counts.forked
    assert "forked copy ended early" in caplog.text
    assert _document(helped) == _document(alone)
    assert _published(helped) == _published(alone)
