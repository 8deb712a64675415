"""When the risk service compares every area with areas of the same kind.

The peer rules (`rules/peers.yaml`) rank an area among its peers, so they need every area's
figures for the year: they are not judged event by event but by one pass over the year
(`RiskService.assess_peers`). That pass is made, by the same function everywhere, at these
moments, so that the API, `riskgate assess`, `riskgate demo` and the pages show the same flags:

- right after the bundled sample year is loaded (`riskgate run`, `demo`, `report burden`);
- in the running services, once a year's indicator values have stopped changing for
  `RISKGATE_PEERS_QUIET_SECONDS` (the embedded scheduler, and the `risk` service's consumer,
  look whenever they have nothing else to do);
- on demand: `riskgate assess` (embedded, on its replay) and `riskgate assess --publish`
  (against Kafka and Redis).

Each pass records the latest indicator value it saw, so a year is due again only when new
figures arrive; several risk processes take a store lock, and the second finds nothing due.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from riskgate.adapters.store import Store

if TYPE_CHECKING:
    from riskgate.service_layer.risk import RiskService

log = logging.getLogger(__name__)
LOCK = "risk:peers"
LOCK_TIMEOUT_S = 300.0  # a pass over a year of 152 areas takes seconds, not minutes


@dataclass
class PeerComparison:
    """Makes the peer comparison for every year whose figures have been quiet long enough."""

    risk: RiskService
    store: Store
    quiet_s: float
    monotonic: Callable[[], float] = time.monotonic
    _seen: dict[int, tuple[str, float]] = field(default_factory=dict)  # year -> (latest, since)

    def due(self) -> list[int]:
        """The years with new figures since their last comparison that have been quiet for
        `quiet_s` (seen from this process: the wait starts when it first sees the change)."""
        now = self.monotonic()
        ready = []
        for year, latest in self.risk.peers_due().items():
            seen, since = self._seen.get(year, ("", now))
            if seen != latest:
                self._seen[year] = (latest, now)
                since = now
            if now - since >= self.quiet_s:
                ready.append(year)
        return ready

    def run_due(self) -> list[int]:
        """Compare the areas of every year that is due; the years compared."""
        years = self.due()
        if not years:
            return []
        with self.store.lock(LOCK, timeout_s=LOCK_TIMEOUT_S):
            still_due = self.risk.peers_due()  # another risk process may have made it
            done = [year for year in years if year in still_due]
            for year in done:
                self.compare(year)
        return done

    def compare(self, year: int) -> int:
        """Make the year's peer comparison now; how many peer observations were judged."""
        started = self.monotonic()
        judged = self.risk.assess_peers(year)
        log.info(
            "compared every area with its peers for %d: %d observations in %.1fs",
            year,
            judged,
            self.monotonic() - started,
        )
        return judged
