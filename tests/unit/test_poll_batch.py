"""The risk consumer commits a poll as one batch (service_layer/unit_of_work.PollBatch): each
event still sees the ones before it, a store that fails as the batch ends loses nothing and
doubles nothing, and the outcome is the one event-by-event handling gives."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from riskgate import topics
from riskgate.adapters.store import MemoryStore, RecordedBatch
from riskgate.bootstrap import System, bootstrap
from riskgate.config import Settings
from riskgate.domain.publishing import LOADER
from tests.conftest import ROOT
from tests.integration.cluster import indicator_event
from tests.poison import FOLLOWER_AREAS, NEET, SANDWELL


class StoreAwayOnce(MemoryStore):
    """A memory store whose next `fail` transactions fail as a server going away would."""

    def __init__(self) -> None:
        super().__init__()
        self.fail = 0
        self.transactions = 0

    @contextmanager
    def transaction(self) -> Iterator[RecordedBatch]:
        self.transactions += 1
        if self.fail:
            self.fail -= 1
            raise ConnectionError("the store went away")
        with super().transaction() as batch:
            yield batch


def _system(tmp_path: Path, store: MemoryStore) -> System:
    return bootstrap(Settings(rules_dir=ROOT / "rules", home=tmp_path), store=store)


def _events() -> list[dict[str, Any]]:
    """Six areas report NI 117 above its floor for two quarters, then one area a better third
    quarter: each event's observation needs the earlier ones of the same poll."""
    areas = (SANDWELL, *FOLLOWER_AREAS)
    events = [indicator_event(a, NEET, q, 14.0) for a in areas for q in ("2009-Q2", "2009-Q3")]
    return [*events, indicator_event(SANDWELL, NEET, "2009-Q4", 3.0)]


def _submit(system: System, events: Sequence[dict[str, Any]]) -> None:
    result = system.ingest.submit(list(events), LOADER)
    assert not result.errors


def _outcome(system: System) -> tuple[dict[str, Any], list[str]]:
    judgements = {
        area: system.risk.assessment(area, 2009) for area in (SANDWELL, *FOLLOWER_AREAS)
    }
    requests = sorted(
        {json.loads(r.value)["event_id"] for r in system.bus.read_all(topics.REQUESTS)}
    )
    return judgements, requests


def test_a_poll_is_handled_as_its_events_one_by_one_would_be(tmp_path: Path) -> None:
    events = _events()
    batched = _system(tmp_path / "batched", MemoryStore())
    _submit(batched, events)
    assert batched.consumer("risk").run_once(timeout_s=0) == len(events)  # one poll

    one_by_one = _system(tmp_path / "one-by-one", MemoryStore())
    for event in events:
        _submit(one_by_one, [event])
        assert one_by_one.consumer("risk").run_once(timeout_s=0) == 1

    judgements, requests = _outcome(batched)
    assert (judgements, requests) == _outcome(one_by_one)
    # Sandwell's better Q4 is in the same poll as its two bad quarters, and was seen after them.
    assert judgements[SANDWELL]["children_and_young_people"]["flag"] == "red"
    assert all(
        judgements[a]["children_and_young_people"]["flag"] == "red" for a in FOLLOWER_AREAS
    )
    assert len(requests) == 1 + len(FOLLOWER_AREAS)


def test_a_store_away_as_the_poll_ends_stores_nothing_then_the_redelivery_stores_it_once(
    tmp_path: Path,
) -> None:
    store, events = StoreAwayOnce(), _events()
    system = _system(tmp_path / "away", store)
    _submit(system, events)
    loop = system.consumer("risk")
    loop._retry_pause_s = 0
    store.fail, before = 1, store.transactions

    with pytest.raises(ConnectionError):  # run_forever logs it and polls again
        loop.run_once(timeout_s=0)
    assert store.transactions == before + 1  # the whole poll was to be one transaction
    assert not any(system.risk.assessment(a, 2009) for a in (SANDWELL, *FOLLOWER_AREAS))
    assert not store.smembers("done:risk")

    assert loop.run_once(timeout_s=0) == len(events)  # redelivered whole, then stored
    reference = _system(tmp_path / "reference", MemoryStore())
    _submit(reference, events)
    reference.pump(("risk",))
    assert _outcome(system)[0] == _outcome(reference)[0]
    published = [json.loads(r.value)["event_id"] for r in system.bus.read_all(topics.REQUESTS)]
    # The first attempt published before the store failed; the redelivery re-published the
    # same ids, which the gatekeeper recognises: nothing doubled.
    assert sorted(set(published)) == _outcome(reference)[1]
    assert len(published) == 2 * len(set(published))
    system.pump(("gatekeeper",))
    registered = sorted(r["request_id"] for r in system.gatekeeper.requests())
    assert registered == sorted(
        json.loads(r.value)["payload"]["request_id"]
        for r in reference.bus.read_all(topics.REQUESTS)
    )


class CountingStore(MemoryStore):
    """A memory store that notes each key read on its own, outside `read_many`; it stands for
    a server, where each read is a round trip, so the risk consumer prefetches for it."""

    prefetch_pays = True

    def __init__(self) -> None:
        super().__init__()
        self.single: list[str] = []
        self.many = 0
        self._in_many = False

    def read_many(self, reads: Sequence[tuple[str, ...]]) -> list[Any]:
        self.many += 1
        self._in_many = True
        try:
            return super().read_many(reads)
        finally:
            self._in_many = False

    def hgetall(self, key: str) -> dict[str, str]:
        if not self._in_many:
            self.single.append(key)
        return super().hgetall(key)

    def hget(self, key: str, field: str) -> str | None:
        if not self._in_many:
            self.single.append(key)
        return super().hget(key, field)

    def sismember(self, key: str, member: str) -> bool:
        if not self._in_many:
            self.single.append(key)
        return super().sismember(key, member)


def test_a_poll_reads_what_its_events_first_read_in_one_round_trip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On Redis a read is a round trip: a poll's events' first reads (processed? the series,
    # the area's agreement, the contributions) go in one `read_many`, not one each.
    store = CountingStore()
    system = _system(tmp_path / "counted", store)
    events = _events() + [
        indicator_event(area, NEET, "2010-Q1", 20.0) for area in (SANDWELL, *FOLLOWER_AREAS)
    ]
    _submit(system, events)
    store.single.clear()
    store.many = 0

    assert system.consumer("risk").run_once(timeout_s=0) == len(events)  # one poll

    assert store.many == 1
    prefetched = ("done:risk", "risk:ind:", "laa:agreement:", "risk:contrib:")
    assert [key for key in store.single if key.startswith(prefetched)] == []
    reference = _system(tmp_path / "reference", MemoryStore())
    monkeypatch.setattr(reference.risk, "prefetch", lambda events: None)  # every read alone
    _submit(reference, events)
    reference.pump(("risk",))
    assert _outcome(system) == _outcome(reference)


def test_ingest_asks_whether_a_submissions_events_came_before_in_one_round_trip(
    tmp_path: Path,
) -> None:
    store = CountingStore()
    system = _system(tmp_path, store)
    first = _events()
    _submit(system, first[:5])
    store.single.clear()
    store.many = 0

    result = system.ingest.submit(first + first[:2], LOADER)  # five again, two twice here

    assert [key for key in store.single if key == "ingest:accepted"] == []
    assert store.many == 1
    duplicates = [e["event_id"] for e in first[:5]] + [e["event_id"] for e in first[:2]]
    assert sorted(result.duplicates) == sorted(duplicates)
    assert result.accepted == [e["event_id"] for e in first[5:]]


def test_a_polls_agreements_and_complaints_read_their_facts_in_the_same_round_trip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_year: list[dict[str, Any]]
) -> None:
    # An agreement reads the series of each of its ~45 targets; a complaint its body's
    # complaints, population and contributions: on Redis, a round trip each unless prefetched.
    first = next(i for i, e in enumerate(sample_year) if e["type"] == "laa.agreed")
    before, poll = sample_year[:first], sample_year[first : first + 400]
    kinds = {e["type"] for e in poll}
    assert {"laa.agreed", "complaint.received"} <= kinds
    store = CountingStore()
    system = _system(tmp_path / "counted", store)
    _submit(system, before)
    system.pump(("risk",))
    _submit(system, poll)
    store.single.clear()
    store.many = 0

    assert system.consumer("risk").run_once(timeout_s=0) == len(poll)  # one poll

    assert store.many == 1
    prefetched = ("done:risk", "risk:ind:", "laa:agreement:", "risk:cmp:", "bodies")
    assert [key for key in store.single if key.startswith(prefetched)] == []
    contributions = [key for key in store.single if key.startswith("risk:contrib:")]
    assert len(contributions) <= 2, contributions  # a complaint's window may end a year on
    reference = _system(tmp_path / "reference", MemoryStore())
    monkeypatch.setattr(reference.risk, "prefetch", lambda events: None)  # every read alone
    _submit(reference, before + poll)
    reference.pump(("risk",))
    assert _judgements(system) == _judgements(reference)
    assert _facts(system.store) == _facts(reference.store)
    assert any(key.startswith("laa:agreement:") for key in _facts(system.store))
    assert any(key.startswith("risk:cmp:") for key in _facts(system.store))


def test_a_polls_registrations_read_their_bodies_complaints_in_the_same_round_trip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_year: list[dict[str, Any]]
) -> None:
    # A registration observes its body's complaints again on every theme (with the population
    # it gives): on Redis, a round trip for each body unless prefetched.
    poll = sample_year[:400]
    registrations = sum(e["type"] == "body.registered" for e in poll)
    assert registrations > 100
    store = CountingStore()
    system = _system(tmp_path / "counted", store)
    _submit(system, poll)
    store.single.clear()
    store.many = 0

    assert system.consumer("risk").run_once(timeout_s=0) == len(poll)  # one poll

    assert store.many == 1
    assert [key for key in store.single if key.startswith("risk:cmp:")] == []
    reference = _system(tmp_path / "reference", MemoryStore())
    monkeypatch.setattr(reference.risk, "prefetch", lambda events: None)  # every read alone
    _submit(reference, poll)
    reference.pump(("risk",))
    assert _judgements(system) == _judgements(reference)
    assert _facts(system.store) == _facts(reference.store)


def _facts(store: Any) -> dict[str, dict[str, str]]:
    """The agreements, complaints and contributions the risk service stored."""
    prefixes = ("laa:agreement:", "risk:cmp:", "risk:contrib:")
    return {key: store.hgetall(key) for p in prefixes for key in store.keys(p)}


def _judgements(system: System) -> list[bytes]:
    return [record.value for record in system.bus.read_all(topics.JUDGEMENTS)]
