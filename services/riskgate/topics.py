"""Topic names: every message lives on a versioned topic."""

from __future__ import annotations

from riskgate.domain.vocabulary import INSPECTORATES

VERSION = "v1"
# Every integrator event, of every type, keyed by area: all facts about one area
# stay in order on one partition (a self-assessment before the figures it
# explains, a registration before the complaints it gives a population to).
EVENTS = f"events.{VERSION}"
JUDGEMENTS = f"risk.judgements.{VERSION}"
REQUESTS = f"inspection.requests.{VERSION}"
DECISIONS = f"gatekeeper.decisions.{VERSION}"
DEAD_LETTERS = f"deadletter.{VERSION}"
# Every step of every petition and Community Call for Action, keyed by area.
CASES = f"citizens.cases.{VERSION}"


def work_for(inspectorate: str) -> str:
    """The topic carrying approved work for one inspectorate."""
    return f"inspection.work.{inspectorate}.{VERSION}"


EVENT_TOPICS: tuple[str, ...] = (EVENTS,)
WORK_TOPICS: tuple[str, ...] = tuple(work_for(code) for code in INSPECTORATES)
ALL_TOPICS: tuple[str, ...] = (
    EVENT_TOPICS + (JUDGEMENTS, REQUESTS, DECISIONS, CASES, DEAD_LETTERS) + WORK_TOPICS
)
