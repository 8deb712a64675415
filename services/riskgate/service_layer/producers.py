"""The producers the events topic knows, and the check its consumers make of each event's
declared `source` (tokens do not reach Kafka; the topic's ACLs are the real control, and this
check is the defence behind them).

A source is known when it is a riskgate service that writes to the events topic
(`riskgate.gatekeeper`, for findings from `/complete`; `riskgate.loader`, embedded only), or the
`<role>:<holder>` of a token in the registry, with that token's role and scope. A source the
registry does not know (events written before ingest stamped sources, say) is held to an
integrator's rules with no scope: integrator types only, no finding and no registration.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Any

from riskgate.adapters.store import Store
from riskgate.domain.actors import Actor
from riskgate.domain.publishing import GATEKEEPER, LOADER, moved_body, refusal, source_of
from riskgate.service_layer.tokens import Tokens

STALE_AFTER_S = 2.0  # a revoked token or a changed scope is seen within this


def unknown_producer(source: str) -> Actor:
    """The rights of a source nobody registered: an integrator's, with no scope."""
    return Actor(id=source, holder=source, role="integrator")


class Producers:
    """Who may write what to the events topic, by declared source."""

    def __init__(
        self, store: Store, placed_in: Callable[[str], str | None], *, embedded: bool
    ) -> None:
        self._store = store
        self._placed_in = placed_in
        services = (GATEKEEPER, LOADER) if embedded else (GATEKEEPER,)
        self._services = {source_of(actor): actor for actor in services}
        self._by_source: dict[str, list[Actor]] = {}
        self._read_at = float("-inf")
        self._lock = threading.Lock()

    def refusal(self, event: dict[str, Any], area: str | None) -> str | None:
        """Why the event's declared producer may not have published it, or None if it may.

        Several tokens may share a holder and role: the event passes if any of them allows it.
        """
        source = event["source"]
        candidates = [self._services[source]] if source in self._services else self._tokens(source)
        refusals = [
            refusal(actor, event, area, source)
            for actor in candidates or [unknown_producer(source)]
        ]
        if all(refusals):
            first = refusals[0]
            assert first is not None
            known = "" if candidates else " (a producer no token names)"
            return f"producer {source!r}{known} may not publish this: {first.reason}"
        if event["type"] == "body.registered":
            moved = moved_body(
                event["body"], self._placed_in(event["body"]), event["payload"]["area"]
            )
            if moved is not None:
                return moved.reason
        return None

    def _tokens(self, source: str) -> list[Actor]:
        """The tokens whose events carry `source`: re-read when stale, or on a miss (a token
        created a moment ago must not have its first events refused)."""
        with self._lock:
            stale = time.monotonic() - self._read_at > STALE_AFTER_S
            if stale or source not in self._by_source:
                self._by_source = _registered(self._store)
                self._read_at = time.monotonic()
            return self._by_source.get(source, [])


def _registered(store: Store) -> dict[str, list[Actor]]:
    """Every valid token in the registry as the Actor it authenticates, by the source it
    stamps (revoked and expired tokens name no producer)."""
    now = dt.datetime.now(dt.UTC)
    by_source: dict[str, list[Actor]] = {}
    for record in Tokens(store).records():
        if record.refusal(now) is None:
            actor = record.actor()
            by_source.setdefault(source_of(actor), []).append(actor)
    return by_source

