"""Failed authentications per client address, counted in this process.

A client (its remote address) that presents more than the allowed number of bad
credentials in one minute is refused, valid token or not, for the rest of that minute.
The counts live in the process, not the store: nothing a caller without a token sends
writes to the shared state, and a worker's memory for them is bounded.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

WINDOW_S = 60.0
MAX_CLIENTS = 10_000  # addresses remembered at once; the least recent failure is forgotten first


class FailedAuthentications:
    """Fixed one-minute windows of failed authentications per client address."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._per_minute = per_minute
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}  # client -> (window start, failures)
        self._mutex = threading.Lock()

    def retry_after(self, client: str) -> int | None:
        """Whole seconds until `client` may try again, or None when it is not throttled."""
        now = self._clock()
        with self._mutex:
            start, failures = self._windows.get(client, (now - WINDOW_S, 0))
        if now - start >= WINDOW_S or failures < self._per_minute:
            return None
        return max(1, math.ceil(start + WINDOW_S - now))

    def failed(self, client: str) -> None:
        """Count one failed authentication from `client`."""
        now = self._clock()
        with self._mutex:
            start, failures = self._windows.pop(client, (now, 0))
            if now - start >= WINDOW_S:
                start, failures = now, 0
            if len(self._windows) >= MAX_CLIENTS:
                # the client that failed least recently: first in insertion order
                del self._windows[next(iter(self._windows))]
            self._windows[client] = (start, failures + 1)  # re-inserted: newest last
