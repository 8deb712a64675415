"""The inspectorates' scripted triage in the sample year (`triage.yaml`): which waiting
request each confirms or declines, and on which day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from riskgate.domain.calendar import add_working_days
from riskgate.sample.data import script


@dataclass(frozen=True)
class TriageStep:
    """One inspectorate's scripted decision on the first waiting request of a rule."""

    inspectorate: str
    rule: str
    action: str  # confirm or decline
    after_working_days: int
    holder: str
    reason: str | None = None

    def due(self, record: Mapping[str, Any]) -> dt.date:
        """The day it acts on a record."""
        return add_working_days(dt.date.fromisoformat(record["received_on"]), self.after_working_days)

    def picks(self, records: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
        """The first waiting request of its rule on its inspectorate's list, if any."""
        return next((r for r in records if self.rule in r["rule_ids"]), None)


def triage_steps() -> list[TriageStep]:
    """The sample year's scripted triage, in `triage.yaml`'s order."""
    return [
        TriageStep(
            inspectorate=step["inspectorate"],
            rule=step["rule"],
            action=step["action"],
            after_working_days=int(step["after_working_days"]),
            holder=step["holder"],
            reason=" ".join(str(step.get("reason") or "").split()) or None,
        )
        for step in script("triage.yaml")["triage"]
    ]
