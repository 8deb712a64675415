"""Pieces every service shares: envelopes and timestamps.

The processed markers, the body registry and the stored JSON form live in
`service_layer/repositories/`; they are imported here too so older imports keep working.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from riskgate.adapters.store import WriteBatch
from riskgate.service_layer.repositories.bodies import BodyRegistry
from riskgate.service_layer.repositories.processed import Processed
from riskgate.service_layer.repositories.stored_json import dumps

__all__ = ["BodyRegistry", "InvalidMessage", "Processed", "Write", "dumps", "envelope", "now_on"]

Write = Callable[[WriteBatch], None]


class InvalidMessage(ValueError):
    """A message that is well-formed but cannot be acted on; it goes to the dead-letter topic."""


def envelope(
    *, event_id: str, type: str, occurred_at: str, source: str, body: str, payload: dict[str, Any]
) -> dict[str, Any]:
    """A message in the one envelope every topic uses."""
    return {
        "event_id": event_id,
        "type": type,
        "occurred_at": occurred_at,
        "source": source,
        "body": body,
        "payload": payload,
    }


def now_on(day: dt.date) -> str:
    """A timestamp on `day`: now if `day` is today, else now's time of day on `day`
    (a pinned RISKGATE_TODAY keeps its date)."""
    now = dt.datetime.now(dt.UTC)
    if now.date() != day:
        now = dt.datetime.combine(day, now.time(), dt.UTC)
    return now.isoformat()
