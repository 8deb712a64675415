"""The citizens' consumer commits a poll as one batch (service_layer/citizens.py): on a store
where each read is a round trip it asks whether the poll's events came before in one, the
cases it keeps are the ones event-by-event handling keeps, and an event that reads or writes
the cases stands alone, meeting what another writer stored meanwhile."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from riskgate import topics
from riskgate.adapters.store import MemoryStore
from riskgate.bootstrap import System
from riskgate.service_layer.citizens import CitizensService
from riskgate.service_layer.repositories.cases import CASES
from tests.unit.test_poll_batch import CountingStore, _submit, _system

CASE = "CCFA-2009-E08000035-1"  # raised at event 955 of the sample year, referred at 1153


def _first(events: list[dict[str, Any]], kind: str, ref: str) -> int:
    return next(
        i for i, e in enumerate(events) if e["type"] == kind and e["payload"].get("case_ref") == ref
    )


def _cases(store: Any) -> dict[str, dict[str, str]]:
    return {key: store.hgetall(key) for key in sorted(store.keys("cit:"))}


def _published(system: System) -> list[bytes]:
    return [
        r.value for topic in (topics.CASES, topics.REQUESTS) for r in system.bus.read_all(topic)
    ]


def test_a_poll_of_the_citizens_events_reads_ahead_once_and_keeps_what_one_by_one_keeps(
    tmp_path: Path, sample_year: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    events = sample_year[:2200]  # petitions, calls for action, a forum: 22 that touch the cases
    acted = [e for e in events if e["type"] in CitizensService.ACTS_ON]
    shared = [e for e in acted if e["type"] != "complaint.received"]
    assert len(acted) > 300 and len(shared) >= 15
    store = CountingStore()
    system = _system(tmp_path / "counted", store)
    _submit(system, events)
    store.single.clear()
    store.many = 0
    polls = 0
    while system.consumer("citizens").run_once(timeout_s=0):
        polls += 1

    # One read ahead per poll, and one more after each event that stood alone; whether an
    # event came before is never asked on its own.
    assert store.many <= polls + len(shared)
    assert [key for key in store.single if key == "done:citizens"] == []
    reference = _system(tmp_path / "reference", MemoryStore())  # no batch: one by one
    monkeypatch.setattr(reference.consumer("citizens"), "_batch", None)
    _submit(reference, events)
    reference.pump(("citizens",))
    assert _cases(system.store) == _cases(reference.store)
    assert len(_cases(system.store)) >= 3  # cases, petitions and the forum's issue
    assert _published(system) == _published(reference)
    assert store.smembers("done:citizens") == {e["event_id"] for e in acted}


def test_an_event_on_a_case_reads_what_another_writer_stored_during_the_poll(
    tmp_path: Path, sample_year: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    raised = _first(sample_year, "ccfa.raised", CASE)
    referred = _first(sample_year, "ccfa.referred", CASE)
    store = MemoryStore()
    system = _system(tmp_path, store)
    _submit(system, sample_year[:raised])
    system.pump(("citizens",))
    poll = sample_year[raised : referred + 1]
    assert sum(e["type"] == "complaint.received" for e in poll) > 20
    _submit(system, poll)
    service = system.citizens
    field = f"E08000035|{CASE}"
    complaint = service._complaint
    written: list[str] = []

    def another_writer_meanwhile(event: dict[str, Any], area: str, work: Any) -> None:
        # As a sweep or a request on another thread would: the raised case is stored already,
        # and it changes it while the poll goes on.
        if not written:
            stored = store.hget(CASES, field)
            assert stored is not None, "the call was not stored before the next event"
            store.hset(CASES, {field: json.dumps({**json.loads(stored), "elsewhere": "noted"})})
            written.append(field)
        complaint(event, area, work)

    monkeypatch.setattr(service, "_complaint", another_writer_meanwhile)
    assert system.consumer("citizens").run_once(timeout_s=0) == len(poll)  # one poll

    assert written
    case = json.loads(store.hget(CASES, field) or "{}")
    assert case["stage"] == "referred"
    assert [h["stage"] for h in case["history"]] == ["raised", "referred"]
    assert case.get("elsewhere") == "noted"  # the referral read the case as stored, not held
