"""The gatekeeper bench's national stream decided on the memory adapters: every decision
message in order, for comparing the placement before and after a change byte for byte."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from typing import Any

from riskgate import topics
from riskgate.adapters.bus import MemoryBus
from riskgate.adapters.policy_file import load_policies
from riskgate.adapters.store import MemoryStore
from riskgate.domain.reference import load_reference
from riskgate.service_layer.gatekeeper import GatekeeperService
from tests.conftest import ROOT

SEED, DECEMBER = 2009, 0.6
RULES = ROOT / "rules"


def _bench() -> Any:
    """bench/gatekeeper.py, which makes the stream (a script, not a package: loaded by path)."""
    spec = importlib.util.spec_from_file_location(
        "bench_gatekeeper", ROOT / "bench" / "gatekeeper.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def decided(requests: int, seed: int = SEED) -> list[bytes]:
    """Every decision message the gatekeeper published, in order."""
    bench, reference = _bench(), load_reference()
    bus = MemoryBus()
    service = GatekeeperService(MemoryStore(), bus, load_policies(RULES))
    for event in bench.organisational_assessments(reference, seed):
        service.handle(event)
    for event in bench.national_stream(reference, requests, seed, DECEMBER):
        service.handle(event)
    return [r.value for r in bus.read_all(topics.DECISIONS)]


def summary(messages: list[bytes]) -> dict[str, Any]:
    """What the golden file keeps: how many, each outcome's count, and one digest of all."""
    outcomes: dict[str, int] = {}
    for value in messages:
        outcome = json.loads(value)["payload"]["outcome"]
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    digest = hashlib.sha256(b"\n".join(messages)).hexdigest()
    return {
        "decisions": len(messages),
        "outcomes": dict(sorted(outcomes.items())),
        "sha256": digest,
    }
