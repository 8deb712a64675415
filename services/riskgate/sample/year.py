"""The sample year as a whole: every kind of event, in the order an integrator sends them."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from riskgate.adapters.event_files import write_events
from riskgate.domain.reference import load_reference
from riskgate.sample.assessments import findings, self_assessments, use_of_resources
from riskgate.sample.complaints import complaints, petitions
from riskgate.sample.ids import SAMPLE_SEED, SAMPLE_YEAR
from riskgate.sample.indicators import indicator_reports, registrations
from riskgate.sample.laa import laa_events
from riskgate.sample.plan import Plant, plan_year
from riskgate.sample.stories import Story, scripted_stories


def generate_year(year: int = SAMPLE_YEAR, seed: int = SAMPLE_SEED) -> list[dict[str, Any]]:
    """Return the sample year's events in the order an integrator would send them.

    Events are JSON-serialisable envelopes sorted by ``occurred_at`` then
    ``event_id``. The same (year, seed) always gives an identical list.
    """
    ref = load_reference()
    plan = plan_year(year, seed)
    reports = indicator_reports(ref, plan, year, seed)
    events = [
        *registrations(ref, plan, year, seed),
        *reports,
        *laa_events(ref, plan, reports, year, seed),
        *complaints(ref, plan, year, seed),
        *petitions(ref, plan, year, seed),
        *self_assessments(ref, plan, year, seed),
        *findings(plan, year, seed),
        *use_of_resources(ref, plan, year, seed),
        *(e for _, told in scripted_stories(year, seed) for e in told),
    ]
    events.sort(key=lambda e: (e["occurred_at"], e["event_id"]))
    return events


def planted(year: int = SAMPLE_YEAR, seed: int = SAMPLE_SEED) -> list[Plant]:
    """Return the problems planted in ``generate_year(year, seed)``."""
    return list(plan_year(year, seed).plants)


def stories(year: int = SAMPLE_YEAR, seed: int = SAMPLE_SEED) -> list[Story]:
    """The citizens' stories planted in ``generate_year(year, seed)``."""
    return [s for s, _ in scripted_stories(year, seed)]


def write_jsonl(events: Iterable[dict[str, Any]], path: str | os.PathLike[str]) -> int:
    """Write events to ``path`` as JSON Lines (sorted keys); return how many were written."""
    return write_events(events, path)
