"""Local Area Agreements in the store: every version of each area's agreement, and its annual
reports.

| key | holds |
|---|---|
| `laa:agreement:<area>` | event id → one version: type, effective_from, occurred_at, period, targets |
| `laa:report:<area>:<year>` | the area's latest annual report for the year, with its event id |

Versions are kept, never overwritten: a refresh applies from its `effective_from`, and a judgement
made before names the version it used.
"""

from __future__ import annotations

import functools
from typing import Any

from riskgate.adapters.store import Read, Store
from riskgate.domain import laa
from riskgate.service_layer.repositories.stored_json import dumps, loads
from riskgate.service_layer.unit_of_work import UnitOfWork


@functools.lru_cache(maxsize=4096)
def _version(raw: str) -> dict[str, Any]:
    """A stored version, parsed once per distinct text (read on every indicator report), with
    its targets by indicator and each target's trajectory (`trajectories`), worked out once
    for every reading observed against it."""
    doc: dict[str, Any] = loads(raw)
    doc["by_indicator"] = {t["indicator"]: t for t in doc["targets"]}
    doc["trajectories"] = {t["indicator"]: laa.target_trajectory(t) for t in doc["targets"]}
    return doc


@functools.lru_cache(maxsize=4096)
def _in_force(stored: tuple[str, ...], day: str | None) -> dict[str, Any] | None:
    """The version in force on `day` among the stored texts: every indicator report asks,
    and an area's reports mostly come on the same days."""
    return laa.agreement_in_force([_version(raw) for raw in stored], day)


class LaaFacts:
    """The agreements and annual reports; writes go through a unit of work."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def versions(self, area: str) -> list[dict[str, Any]]:
        """Every version of the area's agreement (parsed; do not mutate)."""
        return [_version(raw) for raw in self._store.hgetall(f"laa:agreement:{area}").values()]

    def in_force(self, area: str, as_of: str | None = None) -> dict[str, Any] | None:
        """The version of the area's agreement in force on `as_of` (None: the latest)."""
        stored = tuple(self._store.hgetall(f"laa:agreement:{area}").values())
        return _in_force(stored, as_of[:10] if as_of else None) if stored else None

    def record_version(self, work: UnitOfWork, area: str, event: dict[str, Any]) -> dict[str, Any]:
        """Keep one version of the area's agreement from its `laa.agreed`/`laa.refreshed` event."""
        payload = event["payload"]
        version = {
            "event_id": event["event_id"],
            "type": event["type"],
            "occurred_at": event["occurred_at"],
            "effective_from": payload["effective_from"],
            "period_start": payload["period_start"],
            "period_end": payload["period_end"],
            "data_source": payload.get("data_source"),
            "targets": payload["targets"],
        }
        text = dumps(version)
        work.store(lambda b: b.hset(f"laa:agreement:{area}", {event["event_id"]: text}))
        return _version(text)

    def record_report(self, work: UnitOfWork, area: str, event: dict[str, Any]) -> None:
        """Keep the area's annual report for its year (a later one replaces it)."""
        payload = event["payload"]
        report = {
            "event_id": event["event_id"],
            "occurred_at": event["occurred_at"],
            "action_plan": payload.get("action_plan"),
            "targets": {t["indicator"]: t for t in payload["targets"]},
        }
        work.store(lambda b: b.set(f"laa:report:{area}:{payload['year']}", dumps(report)))

    def report(self, area: str, year: int) -> dict[str, Any] | None:
        """The area's annual report for the year, or None."""
        raw = self._store.get(f"laa:report:{area}:{year}")
        return loads(raw) if raw else None

    def areas(self) -> list[str]:
        """The areas with an agreement."""
        return sorted(key.rsplit(":", 1)[1] for key in self._store.keys("laa:agreement:"))

    @staticmethod
    def agreement_read(area: str) -> Read:
        """`in_force`'s and `versions`'s read, for a poll's prefetch (`Store.read_many`)."""
        return ("hgetall", f"laa:agreement:{area}")
