"""The annual cycle of an assessment year: its stages and what a judgement is on a given day.

A cycle file (`rules/cycles/<year>.yaml`) gives each stage's first and last day in order:
self-assessment, draft, sharing, challenge, publication. Until the publication day a
year's judgements are drafts; from it they are published. A year with no cycle file
publishes continuously (a local setting: riskgate's default), so each judgement is
published as it is made.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from riskgate.domain.rules import RuleError

LINE = "__line__"
STAGES = ("self_assessment", "draft", "sharing", "challenge", "publication")
CONTINUOUS = "continuous"  # the stage of a year without a cycle file


@dataclass(frozen=True)
class Stage:
    name: str
    starts: dt.date
    ends: dt.date


@dataclass(frozen=True)
class Cycle:
    """One assessment year's stages, in order, without gaps that run backwards."""

    year: int
    stages: tuple[Stage, ...]
    source: str

    def stage(self, name: str) -> Stage:
        return next(s for s in self.stages if s.name == name)

    @property
    def publication(self) -> dt.date:
        return self.stage("publication").starts

    def published_on(self, today: dt.date) -> bool:
        """True once the publication day has come."""
        return today >= self.publication

    def stage_on(self, today: dt.date) -> str:
        """The stage `today` falls in; before the first, `before_<first>`; after the last
        (publication), `published`."""
        if self.published_on(today):
            return "published"
        for stage in self.stages:
            if stage.starts <= today <= stage.ends:
                return stage.name
        if today < self.stages[0].starts:
            return f"before_{self.stages[0].name}"
        return "awaiting_publication"

    def in_challenge_window(self, today: dt.date) -> bool:
        window = self.stage("challenge")
        return window.starts <= today <= window.ends

    def as_document(self, today: dt.date) -> dict[str, Any]:
        """The cycle as the API and the demo show it."""
        return {
            "year": self.year,
            "stage": self.stage_on(today),
            "stages": [
                {"name": s.name, "starts": s.starts.isoformat(), "ends": s.ends.isoformat()}
                for s in self.stages
            ],
            "source": self.source,
        }


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise RuleError(f"{where}: expected a date YYYY-MM-DD, got {value!r}") from None


def parse_cycle(document: Any, filename: str) -> Cycle:
    """A Cycle from a parsed cycle file (mappings carry `__line__`); RuleError names
    file:line for a missing or unknown stage, a stage that ends before it starts, or one
    that starts before the previous one ends."""
    if not isinstance(document, dict) or not isinstance(document.get("stages"), dict):
        raise RuleError(f"{filename}:1: expected `year`, `source` and a mapping `stages`")
    line = document.get(LINE, 1)
    year = document.get("year")
    if not isinstance(year, int) or not filename.endswith(f"{year}.yaml"):
        raise RuleError(f"{filename}:{line}: `year` must be the file's year, got {year!r}")
    stages_doc = document["stages"]
    names = [k for k in stages_doc if k != LINE]
    if names != list(STAGES):
        raise RuleError(
            f"{filename}:{stages_doc.get(LINE, line)}: stages must be, in this order, "
            f"{', '.join(STAGES)}; got {', '.join(names)}"
        )
    stages: list[Stage] = []
    for name in STAGES:
        entry = stages_doc[name]
        if not isinstance(entry, dict):
            raise RuleError(f"{filename}:{stages_doc.get(LINE, line)}: {name}: expected from/to")
        where = f"{filename}:{entry.get(LINE, line)}: {name}"
        starts = _date(entry.get("from"), f"{where}.from")
        ends = _date(entry.get("to", entry.get("from")), f"{where}.to")
        if ends < starts:
            raise RuleError(f"{where}: runs backwards ({starts} to {ends})")
        if stages and starts <= stages[-1].ends:
            raise RuleError(
                f"{where}: starts {starts}, on or before {stages[-1].name} ends "
                f"({stages[-1].ends}): stages may not overlap"
            )
        stages.append(Stage(name, starts, ends))
    source = document.get("source")
    if not isinstance(source, str) or not source.strip():
        raise RuleError(f"{filename}:{line}: `source` must say where the dates come from")
    return Cycle(year, tuple(stages), source.strip())
