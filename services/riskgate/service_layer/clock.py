"""Today, as riskgate sees it: the gatekeeper's schedule checks, completions, the burden view
and the citizens' deadlines all read this one clock.

- `RISKGATE_TODAY` pins it (for replays of a past year); nothing moves a pinned clock.
- Embedded, the home keeps its own date. Loading the bundled sample year sets it to the
  sample's date (`SAMPLE_DAY`: the 31 December of the sample year, when the year's figures are
  in), so a 2009 inspection can be accepted, scheduled and completed on 2009's calendar. A
  gatekeeper may move it forward (`riskgate clock advance --to`, `POST /v1/clock`), never back.
- Otherwise (and in the distributed mode, always) it is the real date, UTC.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from riskgate.adapters.store import Store
from riskgate.domain.errors import Conflict

CLOCK_KEY = "clock:today"


def sample_day(year: int) -> dt.date:
    """The date the embedded clock shows once the sample `year` is loaded."""
    return dt.date(year, 12, 31)


@dataclass(frozen=True)
class Clock:
    """The one clock of a process; embedded, it lives in the home's store."""

    store: Store
    embedded: bool
    pinned: dt.date | None = None

    def __call__(self) -> dt.date:
        return self.today()

    def today(self) -> dt.date:
        """Today as the services see it (see the module docstring)."""
        if self.pinned is not None:
            return self.pinned
        stored = self._stored()
        if stored is not None:
            return dt.date.fromisoformat(stored["today"])
        return dt.datetime.now(dt.UTC).date()

    def state(self) -> dict[str, Any]:
        """Today, what set it (`RISKGATE_TODAY`, `sample`, `advanced`, `real date`), by whom,
        and whether a gatekeeper may move it."""
        stored = self._stored()
        if self.pinned is not None:
            set_by, by = "RISKGATE_TODAY", None
        elif stored is not None:
            set_by, by = stored["set_by"], stored.get("by")
        else:
            set_by, by = "real date", None
        return {
            "today": self.today().isoformat(),
            "set_by": set_by,
            "by": by,
            "movable": self.embedded and self.pinned is None,
        }

    def start_sample(self, year: int) -> None:
        """Set the embedded clock to the sample's date, unless it already shows a later one."""
        if not self.embedded:
            return
        stored = self._stored()
        if stored is None or dt.date.fromisoformat(stored["today"]) < sample_day(year):
            self._keep(sample_day(year), "sample", None)

    def advance(self, to: dt.date, by: str) -> dict[str, Any]:
        """Move the embedded clock forward to `to` (`by` names who did); Conflict naming the
        field `to` if the clock is not movable or `to` is before today."""
        if not self.embedded:
            raise Conflict(
                "the clock is the real date when riskgate runs against Kafka and Redis; only the "
                "embedded default's clock can be moved",
                {"to": ["the distributed mode's clock cannot be moved"]},
            )
        if self.pinned is not None:
            raise Conflict(
                f"RISKGATE_TODAY pins the clock to {self.pinned.isoformat()}; unset it to move "
                "the clock",
                {"to": ["the clock is pinned by RISKGATE_TODAY"]},
            )
        with self.store.lock(CLOCK_KEY):
            today = self.today()
            if to < today:
                raise Conflict(
                    f"the clock cannot move backwards: today is {today.isoformat()}",
                    {"to": [f"must be on or after {today.isoformat()}"]},
                )
            self._keep(to, "advanced", by)
        return self.state()

    def _keep(self, day: dt.date, set_by: str, by: str | None) -> None:
        self.store.set(
            CLOCK_KEY, json.dumps({"today": day.isoformat(), "set_by": set_by, "by": by})
        )

    def _stored(self) -> dict[str, Any] | None:
        if not self.embedded:
            return None
        raw = self.store.get(CLOCK_KEY)
        return json.loads(raw) if raw else None
