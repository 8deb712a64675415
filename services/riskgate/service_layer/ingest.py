"""ingest: validate integrators' events and publish them to the event topics."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from riskgate import limits, topics
from riskgate.adapters.bus import Publisher, encode
from riskgate.adapters.store import Store
from riskgate.domain.actors import Actor
from riskgate.domain.publishing import (
    LOADER,
    Refusal,
    internal_type,
    moved_body,
    refusal,
    source_of,
)
from riskgate.schemas import validate_event
from riskgate.schemas.trusted import check_envelope
from riskgate.service_layer.repositories.bodies import BodyRegistry
from riskgate.service_layer.repositories.processed import AcceptedEvents
from riskgate.service_layer.unit_of_work import UnitOfWork

ACCEPTED = AcceptedEvents.KEY


@dataclass
class Submission:
    """What happened to a list of events: all accepted (or duplicates), or errors per item.

    `errors` holds every item's problems; `refused` and `conflicts` name the items whose
    problem is who sent them (403) or a body moved out of its area (409), the rest are invalid.
    """

    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    errors: dict[int, dict[str, Any]] = field(default_factory=dict)
    refused: set[int] = field(default_factory=set)
    conflicts: set[int] = field(default_factory=set)
    accepted_types: Counter[str] = field(default_factory=Counter)


class IngestService:
    """Accepts a batch all or nothing; a duplicate `event_id` is accepted once."""

    def __init__(self, store: Store, publisher: Publisher, bodies: BodyRegistry) -> None:
        self._store = store
        self._publisher = publisher
        self._bodies = bodies
        self._accepted = AcceptedEvents(store)

    def submit(
        self, items: list[Any], actor: Actor = LOADER, *, generated: bool = False
    ) -> Submission:
        """Check every item as published by `actor`; if all may be published, publish the new
        ones keyed by area, each with `source` set from the actor (`source_of`).

        The default actor is riskgate's trusted loader (the sample year, rule fixtures, tests);
        every caller speaking for a token passes its Actor. `generated`: the items are
        riskgate's own sample year, which a test holds valid event by event (each validates to
        itself), so only their envelope is checked, as for riskgate's own log; everything
        else about them (size, producer, bodies, duplicates) is checked as for any item.
        """
        result = Submission()
        clean: list[dict[str, Any]] = []
        registered_here: dict[str, str] = {}
        for index, item in enumerate(items):
            size_error = _oversize(item)
            if size_error:
                result.errors[index] = size_error
                continue
            internal = _internal_type(item)
            if internal is not None:  # refused before its payload is even validated
                result.errors[index] = internal.errors()
                result.refused.add(index)
                continue
            stamped = _stamped(item, actor)
            event, errors = check_envelope(stamped) if generated else validate_event(stamped)
            if event is not None and not errors:
                errors = self._check_producer(index, event, actor, registered_here, result)
            if event is not None and not errors:
                errors = self._check_bodies(event, registered_here)
            if errors:
                result.errors[index] = errors
            elif event is not None:
                clean.append(event)
                if event["type"] == "body.registered":
                    registered_here[event["body"]] = event["payload"]["area"]
        if result.errors:
            return result
        fresh: list[dict[str, Any]] = []
        seen_here: set[str] = set()
        accepted_before = self._accepted.seen_among([e["event_id"] for e in clean])
        for event in clean:
            eid = event["event_id"]
            if eid in seen_here or eid in accepted_before:
                result.duplicates.append(eid)
                continue
            seen_here.add(eid)
            fresh.append(event)
        self._commit(fresh, registered_here)
        result.accepted = [e["event_id"] for e in fresh]
        result.accepted_types = Counter(e["type"] for e in fresh)
        return result

    def _commit(self, fresh: list[dict[str, Any]], registered_here: dict[str, str]) -> None:
        """Publish the new events keyed by area, then remember them as accepted (and register
        the bodies they register) in one store transaction."""
        if not fresh:
            return
        work = UnitOfWork("ingest")
        for event in fresh:
            area = registered_here.get(event["body"]) or self._bodies.area_of(event["body"])
            work.publish(topics.EVENTS, str(area), event)
        work.store(self._accepted.accept([e["event_id"] for e in fresh]))
        for event in fresh:
            if event["type"] == "body.registered":
                work.store(self._bodies.registration(event["body"], event["payload"]))
        work.commit(self._publisher, self._store)

    def area_of(self, body: str) -> str | None:
        """The area a known body belongs to."""
        return self._bodies.area_of(body)

    def _check_producer(
        self,
        index: int,
        event: dict[str, Any],
        actor: Actor,
        registered_here: dict[str, str],
        result: Submission,
    ) -> dict[str, Any]:
        """Errors (and the item marked refused or in conflict) if `actor` may not publish it."""
        body = event["body"]
        area = registered_here.get(body) or self._bodies.area_of(body)
        refused = refusal(actor, event, area)
        if refused is not None:
            result.refused.add(index)
            return refused.errors()
        if event["type"] == "body.registered":
            moved = moved_body(body, self._bodies.placed_in(body), event["payload"]["area"])
            if moved is not None:
                result.conflicts.add(index)
                return moved.errors()
        return {}

    def _check_bodies(
        self, event: dict[str, Any], registered_here: dict[str, str]
    ) -> dict[str, Any]:
        if event["type"] == "body.registered":
            area = event["payload"]["area"]
            if (
                area != event["body"]
                and not self._bodies.is_area(area)
                and area not in registered_here
            ):
                return {
                    "payload": {
                        "area": [f"unknown area {area}: not an upper-tier or unitary council"]
                    }
                }
            return {}
        if event["body"] not in registered_here and not self._bodies.known(event["body"]):
            return {
                "body": [
                    f"unknown body {event['body']}: register it with a body.registered event first"
                ]
            }
        return {}


def _internal_type(item: Any) -> Refusal | None:
    """The refusal for an item naming one of the services' own types, read before validation
    so that a forged judgement is refused as such, not for its payload."""
    kind = item.get("type") if isinstance(item, dict) else None
    return internal_type(kind) if isinstance(kind, str) else None


def _stamped(item: Any, actor: Actor) -> Any:
    """The item with `source` set from the actor, whatever it said (the loader's events say
    `riskgate.loader`, which the consumers' producer check knows)."""
    if not isinstance(item, dict):
        return item
    return {**item, "source": source_of(actor)}


def _oversize(item: Any) -> dict[str, Any]:
    """An error if the event, encoded as the bus carries it, is over limits.MAX_EVENT_BYTES.

    Checked before anything else, so an oversize item is never validated or scanned, and a
    list holding one publishes nothing.
    """
    size = len(encode(item)) if isinstance(item, dict) else 0
    if size <= limits.MAX_EVENT_BYTES:
        return {}
    return {
        "_schema": [
            f"the event is {size} bytes encoded; at most {limits.MAX_EVENT_BYTES} are allowed"
        ]
    }
