"""Loading the bundled sample year into a running system: `riskgate run`, `demo` and
`report burden` all do it the same way, through ingest as riskgate's trusted loader (its
registrations and findings could come from no single token; the rules for tokens stay whole)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from riskgate import topics
from riskgate.domain.actors import Actor
from riskgate.domain.publishing import LOADER
from riskgate.service_layer.ingest import ACCEPTED

if TYPE_CHECKING:
    from riskgate.bootstrap import System

SAMPLE_CHUNK = 2000  # events per ingest submission, then the pipeline is pumped
SAMPLE_MARK = "embedded:sample"  # "loading", then "loaded"
Progress = Callable[[int, int], None]  # (events submitted, events in the year)


def load_sample(
    system: System, year: int = 2009, progress: Progress | None = None
) -> Counter[str]:
    """Feed the bundled sample year through ingest and the pipeline, then the year's proposals
    to the gatekeeper; count the events ingest accepted. `progress` hears after each chunk."""
    from riskgate.sample import generate_year, proposals
    from riskgate.sample.ids import SAMPLE_YEAR

    system.loading.begin()
    events = generate_year(year)
    system.loading.expect(len(events))
    system.clock.start_sample(year)  # the embedded clock is the sample's (service_layer/clock.py)
    accepted: Counter[str] = Counter()
    for start in range(0, len(events), SAMPLE_CHUNK):
        chunk = events[start : start + SAMPLE_CHUNK]
        # The bundled year is validated event by event by the test suite (tests/unit/
        # test_sample.py), so its load checks only the envelope; another year is validated.
        result = system.ingest.submit(chunk, LOADER, generated=year == SAMPLE_YEAR)
        if result.errors:
            raise RuntimeError(f"the sample year failed validation: {result.errors}")
        accepted += result.accepted_types
        system.pump()
        chunk_day = max(e["occurred_at"] for e in events[start : start + SAMPLE_CHUNK])[:10]
        triage_as_scripted(system, date.fromisoformat(chunk_day))
        system.loading.advance(len(chunk))
        if progress is not None:
            progress(min(start + SAMPLE_CHUNK, len(events)), len(events))
    # Government Offices', departments' and inspectorates' own proposals, as the API takes them.
    publisher = system.bus.publisher()
    for proposal in proposals(year):
        triage_as_scripted(system, date.fromisoformat(proposal["occurred_at"][:10]))
        publisher.publish(topics.REQUESTS, proposal["payload"]["area"], proposal)
        publisher.flush()
        system.pump()
    system.loading.finish()
    return accepted


def triage_as_scripted(system: System, day: date) -> None:
    """The inspectorates' triage up to `day`, as the sample scripts it (`sample/triage.yaml`):
    each scripted confirmation or decline on its day, then every request whose due day has
    come is confirmed automatically, as a running gatekeeper's sweep would."""
    from riskgate.sample.triage import triage_steps

    desk = system.gatekeeper.triage
    for step in triage_steps():
        if any(
            r["by"] == step.holder and step.rule in r["rule_ids"]
            for r in desk.items(step.inspectorate, None)
        ):
            continue  # each step acts once
        record = step.picks(desk.items(step.inspectorate))
        if record is None or step.due(record) > day or step.due(record) > date.fromisoformat(
            record["due"]
        ):
            continue
        actor = Actor(id="sample", holder=step.holder, role=f"inspectorate:{step.inspectorate}")
        if step.action == "confirm":
            desk.confirm(record["request_id"], actor=actor, on=step.due(record))
        else:
            reason = step.reason or "not needed"
            desk.decline(record["request_id"], actor=actor, reason=reason, on=step.due(record))
    desk.sweep(day)
    system.pump()


def sample_wanted(system: System) -> bool:
    """The sample year goes only into a home that has accepted no event yet, or into one whose
    sample load was cut short (ingest skips what it already accepted)."""
    mark = system.store.get(SAMPLE_MARK)
    if mark is not None:
        return mark != "loaded"
    return not system.store.keys(ACCEPTED)


def mark_sample(system: System, state: str) -> None:
    """Record how far the sample load got: "loading" before the first request, then "loaded"."""
    system.store.set(SAMPLE_MARK, state)


def run_year(system: System, year: int, progress: Progress | None = None) -> Counter[str]:
    """The sample year loaded, then its areas compared with their peers at once, as
    `riskgate run` (embedded), `demo` and `report burden` all do before anyone reads the outcome
    (service_layer/peer_comparison.py). An empty in-memory system takes the year from its
    prepared snapshot instead when there is one (service_layer/snapshot.py)."""
    from riskgate.service_layer.snapshot import fill_from_snapshot

    filled = fill_from_snapshot(system, year)
    if filled is not None:
        system.loading.expect(filled.events)
        system.loading.finish()
        if progress is not None:
            progress(filled.events, filled.events)
        return filled.accepted
    accepted = load_sample(system, year, progress)
    system.peers.compare(year)
    system.pump()  # the comparison's judgements and requests, through the gatekeeper
    return accepted
