"""The risk service judges a year identically whether it commits event by event (the embedded
`assess` replay) or a poll at a time (its consumer, `PollBatch`): the whole `assess` document,
byte for byte, on the sample year and on a year generated from another seed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from riskgate.bootstrap import System, bootstrap
from riskgate.config import Settings
from riskgate.sample import generate_year
from riskgate.sample.ids import SAMPLE_SEED
from riskgate.service_layer.annual_assessment import assess_year, replay
from tests.conftest import RULES_DIR

POLL = 500  # records in one poll, as the consumers ask for


def _document(system: System) -> str:
    return json.dumps(assess_year(system, 2009), sort_keys=True, indent=2, ensure_ascii=False)


def _in_polls(events: list[dict[str, Any]]) -> System:
    system = bootstrap(Settings(rules_dir=RULES_DIR))
    batch = system.risk.poll_batch
    for start in range(0, len(events), POLL):
        batch.begin()
        for event in events[start : start + POLL]:
            system.risk.handle(event)
        batch.end()
    return system


@pytest.mark.parametrize("seed", [SAMPLE_SEED, SAMPLE_SEED + 7])
def test_polls_committed_whole_judge_the_year_as_events_committed_one_by_one(seed: int) -> None:
    events = generate_year(2009, seed)
    one_by_one = bootstrap(Settings(rules_dir=RULES_DIR))
    replay(one_by_one, events)
    expected = _document(one_by_one)
    assert '"flag": "red"' in expected and '"flag": "green"' in expected
    assert _document(_in_polls(events)) == expected
