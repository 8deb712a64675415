"""Publishing the bundled sample year to a running distributed riskgate through its ingest API,
as integrators would: no trusted loader reaches Kafka, so each event goes with a token of the
role that may publish it (`body.registered`: admin; `inspection.finding`: the inspectorate it
names; every other type: integrator), all held by one holder. The events keep their order:
they are posted in runs of one role, a new request at each change of role."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from riskgate.adapters.ingest_client import bounded_batches
from riskgate.domain.publishing import ADMIN, FINDING, REGISTRATION
from riskgate.service_layer.tokens import Tokens

SAMPLE_HOLDER = "sample-loader"
Post = Callable[[list[dict[str, Any]], str], dict[str, Any]]  # (events, token) -> reply


def role_for(event: dict[str, Any]) -> str:
    """The role whose token may publish the event."""
    if event["type"] == REGISTRATION:
        return ADMIN
    if event["type"] == FINDING:
        return f"inspectorate:{event['payload']['inspectorate']}"
    return "integrator"


def runs_by_role(
    events: Iterable[dict[str, Any]], batch: int
) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """The events in order, in runs of one role of at most `batch` events, each run small
    enough for one request (`bounded_batches`)."""
    run: list[dict[str, Any]] = []
    role = ""
    for event in events:
        wanted = role_for(event)
        if run and wanted != role:
            yield from ((role, part) for part in bounded_batches(run, batch))
            run = []
        role = wanted
        run.append(event)
    if run:
        yield from ((role, part) for part in bounded_batches(run, batch))


@dataclass
class Published:
    accepted: int = 0
    duplicates: int = 0
    roles: tuple[str, ...] = ()


def publish_sample(
    events: list[dict[str, Any]],
    tokens: Tokens,
    post: Post,
    *,
    batch: int = 500,
    holder: str = SAMPLE_HOLDER,
    progress: Callable[[int], None] | None = None,
) -> Published:
    """Post every event with a token of its role, created for `holder` on first need. The
    tokens stay valid: the consumers check each event's producer against the live tokens."""
    issued: dict[str, str] = {}
    done = Published()
    for role, run in runs_by_role(events, batch):
        if role not in issued:
            issued[role] = tokens.create(role, holder)
        reply = post(run, issued[role])
        done.accepted += len(reply["accepted"])
        done.duplicates += len(reply["duplicates"])
        if progress is not None:
            progress(len(run))
    done.roles = tuple(sorted(issued))
    return done
