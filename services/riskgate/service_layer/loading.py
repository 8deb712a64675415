"""How far the sample year's load has got, for /readyz and /metrics: one object per System,
written by whichever loader fills the system (the sample year through ingest today; a snapshot
restore could report the same way) and read by any request thread."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    """A moment of a load: `state` idle (nothing to load), loading or loaded; `done` of
    `total` events (`total` 0 while it is not known yet)."""

    state: str
    done: int
    total: int

    def words(self) -> str:
        """e.g. `loading 41,230 / 127,104`, or `loading (preparing)` before the total is known."""
        if self.total == 0:
            return f"{self.state} (preparing)"
        return f"{self.state} {self.done:,} / {self.total:,}"


class LoadProgress:
    """Thread-safe counters: `begin()`, then `expect(total)`, `advance(n)`…, then `finish()`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._now = Progress("idle", 0, 0)

    def begin(self) -> None:
        """A load will start: not ready from now on, even before its size is known."""
        with self._lock:
            self._now = Progress("loading", 0, 0)

    def expect(self, total: int) -> None:
        with self._lock:
            self._now = Progress("loading", 0, total)

    def advance(self, events: int) -> None:
        with self._lock:
            now = self._now
            self._now = Progress("loading", min(now.done + events, now.total), now.total)

    def finish(self) -> None:
        with self._lock:
            self._now = Progress("loaded", self._now.total, self._now.total)

    def now(self) -> Progress:
        with self._lock:
            return self._now
