"""The audit trail in the store: who did what to which decision, inspection or request, and when.

One hash per UTC day (`audit:day:<YYYY-MM-DD>`: entry id -> the entry's JSON) and the set
of days that have entries (`audit:days`), so a page from `since` reads the day index and
then only the days it shows, never every key. Entries are written into a transaction's
batch by the gatekeeper's fold (`gatekeeper_fold.apply`), so the trail is a fold of
`gatekeeper.decisions` like the rest of its state and `rebuild` restores it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from riskgate.adapters.store import Store, WriteBatch
from riskgate.domain.errors import Invalid
from riskgate.service_layer.repositories.stored_json import dumps

PREFIX = "audit:"
_DAYS = "audit:days"
MAX_CURSOR = 200  # a cursor this module gives is well under it


def _day_key(day: str) -> str:
    return f"audit:day:{day}"


def record(batch: WriteBatch, entry: dict[str, Any]) -> None:
    """Keep one entry (its `at` a UTC timestamp); the same entry again changes nothing."""
    day = entry["at"][:10]
    batch.hset(_day_key(day), {entry["entry_id"]: dumps(entry)})
    batch.sadd(_DAYS, day)


Position = tuple[dt.datetime, str]


def _position(entry: dict[str, Any]) -> Position:
    """Where an entry stands in the trail: its time, then its id (two at one instant)."""
    return dt.datetime.fromisoformat(entry["at"]), entry["entry_id"]


def cursor_after(entry: dict[str, Any]) -> str:
    """The opaque cursor a page gives for the entries after `entry`."""
    raw = f"{entry['at']}|{entry['entry_id']}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def position_of(cursor: str) -> Position:
    """The position a cursor names; `Invalid` (400, naming `after`) for one not given here."""
    problem = {"after": ["not a cursor from a page of this trail; use the `next` it gave"]}
    if len(cursor) > MAX_CURSOR:
        raise Invalid("invalid cursor", problem)
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, _, entry_id = raw.partition("|")
        when = dt.datetime.fromisoformat(at)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise Invalid("invalid cursor", problem) from None
    if when.tzinfo is None or not entry_id:
        raise Invalid("invalid cursor", problem)
    return when, entry_id


@dataclass(frozen=True)
class AuditQuery:
    """Which entries a page shows: UTC days `since`..`until`, optionally one actor (its id or
    holder) and one action, at most `limit` of them, after a cursor's position."""

    since: dt.date
    until: dt.date | None = None
    actor: str | None = None
    action: str | None = None
    limit: int = 100
    after: Position | None = None

    def shows(self, entry: dict[str, Any]) -> bool:
        actor = entry["actor"]
        return (
            (self.actor is None or self.actor in (actor["id"], actor["holder"]))
            and (self.action is None or entry["action"] == self.action)
            and (self.after is None or _position(entry) > self.after)
        )

    def days(self, stored: set[str]) -> list[str]:
        """The stored days this query reads, oldest first."""
        first = self.since.isoformat()
        if self.after is not None:
            first = max(first, self.after[0].date().isoformat())
        last = self.until.isoformat() if self.until else None
        return sorted(d for d in stored if d >= first and (last is None or d <= last))


class AuditTrail:
    """The audit entries, read a page at a time, oldest first."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def page(self, query: AuditQuery) -> tuple[list[dict[str, Any]], str | None]:
        """Up to `query.limit` entries, and the cursor for the next page (None at the end)."""
        shown: list[dict[str, Any]] = []
        for day in query.days(self._store.smembers(_DAYS)):
            entries = (json.loads(v) for v in self._store.hgetall(_day_key(day)).values())
            for entry in sorted(entries, key=_position):
                if not query.shows(entry):
                    continue
                if len(shown) == query.limit:
                    return shown, cursor_after(shown[-1])
                shown.append(entry)
        return shown, None

    def clear(self, batch: WriteBatch) -> None:
        """Delete the whole trail (before a rebuild refolds it)."""
        for key in self._store.keys(PREFIX):
            batch.delete(key)
