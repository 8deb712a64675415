"""A year's cycle played through, as `riskgate demo` shows it: councils challenge draft
flags in the window and the lead inspectorates decide, the year is published, ladder cases
open, and the random assurance draw is made."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from riskgate.domain.actors import Actor
from riskgate.domain.ladder import current_rung
from riskgate.service_layer import cycle, ladder
from riskgate.service_layer.assurance import draw

if TYPE_CHECKING:
    from riskgate.bootstrap import System

GATEKEEPER = Actor(id="demo", holder="demo", role="gatekeeper")


@dataclass(frozen=True)
class CycleRound:
    stages: list[dict[str, str]]
    challenges: list[dict[str, Any]]
    published_areas: int
    cases_by_rung: Counter[str]
    drawn: dict[str, Any]


def _challenge_two(system: System, year: int) -> list[dict[str, Any]]:
    """In the window, the first two red-flagged areas' councils each challenge one flag; the
    lead inspectorate upholds the first and rejects the second."""
    found = cycle.cycle_for(system, year)
    if found is None:
        return []
    flagged = [
        (area, theme)
        for area in sorted(system.reference.areas)
        for theme, j in system.risk.assessment(area, year).items()
        if j.get("flag") == "red"
    ][:2]
    outcomes = [("upheld", "the council's newer figures answer the concern"),
                ("rejected", "the evidence stands; the action plan is not yet on track")]  # fmt: skip
    made = []
    for (area, theme), (outcome, reason) in zip(flagged, outcomes, strict=False):
        council = Actor(id="demo", holder=f"demo council {area}", role=f"council:{area}")
        challenge = cycle.challenge_flag(
            system, council, area, year=year, theme=theme,
            reason="the data for the last quarter were revised", evidence=[],
        )  # fmt: skip
        lead = Actor(
            id="demo", holder="demo", role=f"inspectorate:{challenge['lead_inspectorate']}"
        )
        made.append(
            cycle.decide_challenge(
                system, lead, challenge["challenge_id"], outcome=outcome, reason=reason
            )
        )
    return made


def play(system: System, year: int, seed: int) -> CycleRound:
    """Challenge in the window, then publish at the system's own "today" (after the year),
    open the ladder's cases and make the random draw."""
    clock = system.clock
    found = cycle.cycle_for(system, year)
    made: list[dict[str, Any]] = []
    if found is not None:
        system.clock = replace(clock, pinned=found.stage("challenge").starts)
        try:
            made = _challenge_two(system, year)
        finally:
            system.clock = clock
    published = sum(bool(cycle.versions(system, area, year)) for area in system.reference.areas)
    cases = ladder.cases(system, GATEKEEPER)
    by_rung = Counter(current_rung(c) or "opened, no rung taken" for c in cases)
    drawn = draw(system, year, seed, 10)
    system.pump()
    decided = {d["request_id"]: d["outcome"] for d in system.gatekeeper.decisions()}
    for item in drawn["drawn"]:
        item["decision"] = decided.get(item["request_id"], "pending")
    return CycleRound(
        stages=found.as_document(cycle.today(system))["stages"] if found else [],
        challenges=made,
        published_areas=published,
        cases_by_rung=by_rung,
        drawn=drawn,
    )
