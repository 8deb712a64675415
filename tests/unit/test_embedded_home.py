"""The embedded home decides once whether the sample year goes in: only into a home that has
accepted nothing, or whose sample load was cut short; never twice."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from riskgate.bootstrap import System, bootstrap
from riskgate.config import Settings
from riskgate.service_layer.sample_year import SAMPLE_MARK, sample_wanted
from tests.conftest import ROOT


def _neet(value: float) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "type": "indicator.reported",
        "occurred_at": "2009-07-30T09:00:00+00:00",
        "source": "data-hub",
        "body": "E08000028",
        "payload": {"indicator": "NI 117", "period": "2009-Q2", "value": value},
    }


def _home(path: Path) -> System:
    return bootstrap(Settings(rules_dir=ROOT / "rules", home=path), keep_home=True)


def test_an_empty_home_wants_the_sample_and_one_with_events_does_not(tmp_path: Path) -> None:
    assert sample_wanted(_home(tmp_path))

    accepted = _home(tmp_path).ingest.submit([_neet(9.0)])

    assert accepted.accepted and not sample_wanted(_home(tmp_path))  # a restart sees the event


def test_a_sample_load_cut_short_is_finished_and_a_finished_one_is_not_repeated(
    tmp_path: Path,
) -> None:
    home = _home(tmp_path)
    home.ingest.submit([_neet(9.0)])
    home.store.set(SAMPLE_MARK, "loading")

    assert sample_wanted(_home(tmp_path))
    home.store.set(SAMPLE_MARK, "loaded")
    assert not sample_wanted(_home(tmp_path))


def test_tokens_live_in_the_home_and_nothing_is_written_without_it(tmp_path: Path) -> None:
    token = _home(tmp_path / "kept").tokens.create("gatekeeper")
    memory = bootstrap(Settings(rules_dir=ROOT / "rules", home=tmp_path / "unused"))
    memory.tokens.create("gatekeeper")

    assert _home(tmp_path / "kept").tokens.role_of(token) == "gatekeeper"
    assert not (tmp_path / "unused").exists()
