"""`riskgate_messages_handled_total` counts what each consumer applied or passed over, once
per record, and not what it dead-lettered (counted a poll at a time, not a record at a time)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prometheus_client import REGISTRY

from riskgate import topics
from riskgate.adapters.store import MemoryStore
from tests.unit.test_poll_batch import _submit, _system


def _count(name: str, consumer: str) -> float:
    return REGISTRY.get_sample_value(name, {"consumer": consumer}) or 0.0


def test_each_record_applied_or_passed_over_is_counted_once_and_a_dead_letter_is_not(
    tmp_path: Path, sample_year: list[dict[str, Any]]
) -> None:
    system = _system(tmp_path, MemoryStore())
    events = sample_year[:1200]
    _submit(system, events)
    system.bus.publisher().publish_raw(topics.EVENTS, "E08000028", b"not an event")
    before = {
        (name, c): _count(name, c)
        for name in ("riskgate_messages_handled_total", "riskgate_dead_letters_total")
        for c in ("risk", "citizens")
    }

    polls = 0
    while system.consumer("risk").run_once(timeout_s=0) + system.consumer("citizens").run_once(
        timeout_s=0
    ):
        polls += 1

    assert polls >= 3  # more than one poll each
    for consumer in ("risk", "citizens"):
        handled = _count("riskgate_messages_handled_total", consumer)
        dead = _count("riskgate_dead_letters_total", consumer)
        assert handled - before[("riskgate_messages_handled_total", consumer)] == len(events)
        assert dead - before[("riskgate_dead_letters_total", consumer)] == 1
