"""Topic names: every message lives on a versioned topic."""

from __future__ import annotations

from riskgate.domain.vocabulary import EVENT_TYPES, INSPECTORATES

VERSION = "v1"
JUDGEMENTS = f"risk.judgements.{VERSION}"
REQUESTS = f"inspection.requests.{VERSION}"
DECISIONS = f"gatekeeper.decisions.{VERSION}"
DEAD_LETTERS = f"deadletter.{VERSION}"


def for_event_type(event_type: str) -> str:
    """The topic an integrator event lands on: one per family of types."""
    family = event_type.split(".", 1)[0]
    return f"events.{family}.{VERSION}"


def work_for(inspectorate: str) -> str:
    """The topic carrying approved work for one inspectorate."""
    return f"inspection.work.{inspectorate}.{VERSION}"


EVENT_TOPICS: tuple[str, ...] = tuple(sorted({for_event_type(t) for t in EVENT_TYPES}))
WORK_TOPICS: tuple[str, ...] = tuple(work_for(code) for code in INSPECTORATES)
ALL_TOPICS: tuple[str, ...] = (
    EVENT_TOPICS + (JUDGEMENTS, REQUESTS, DECISIONS, DEAD_LETTERS) + WORK_TOPICS
)
