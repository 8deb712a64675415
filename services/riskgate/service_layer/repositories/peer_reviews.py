"""Peer reviews in the store: `peer:<body>` holds event id -> `{completed_on, themes,
summary, reviewer}`. The risk service records them from `peer_review.completed` (so a
replay of `events.v1` rebuilds them); the gatekeeper's peer-review gate reads them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from riskgate.adapters.store import Read, Store, WriteBatch


def _key(body: str) -> str:
    return f"peer:{body}"


def recording(event: dict[str, Any]) -> Callable[[WriteBatch], None]:
    """The write that keeps a `peer_review.completed` event's review."""
    payload = event["payload"]
    review = {
        "event_id": event["event_id"],
        "completed_on": str(payload["completed_on"]),
        "themes": list(payload["themes"]),
        "summary": payload["summary"],
        "reviewer": payload.get("reviewer"),
    }
    return lambda batch: batch.hset(_key(event["body"]), {event["event_id"]: json.dumps(review)})


def reviews_of(store: Store, body: str) -> list[dict[str, Any]]:
    """A body's peer reviews, oldest first."""
    return reviews_from(store.hgetall(_key(body)))


def reviews_read(body: str) -> Read:
    """The read of a body's peer reviews, for `Store.read_many`; `reviews_from` reads it."""
    return ("hgetall", _key(body))


def reviews_from(stored: dict[str, str]) -> list[dict[str, Any]]:
    """The peer reviews from `reviews_read`'s result, oldest first."""
    found = (json.loads(v) for v in stored.values())
    return sorted(found, key=lambda r: (r["completed_on"], r["event_id"]))
