"""The use case behind `riskgate rules test`: fixtures next to the rules, run through the real pipeline.

A fixture file (`rules/fixtures/*.yaml`) gives events and the flags and
inspection requests they must produce, no more and no fewer. Each fixture runs
in a fresh embedded system, so fixtures cannot leak into one another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from riskgate.adapters.rule_files import read_rule_file, without_lines
from riskgate.bootstrap import bootstrap
from riskgate.config import Settings
from riskgate.domain.ids import derived_id
from riskgate.domain.rules import RuleError
from riskgate.service_layer.rules_source import load_ruleset


@dataclass
class FixtureResult:
    name: str
    source: str
    problems: list[str] = field(default_factory=list)
    rules_seen: set[str] = field(default_factory=set)

    @property
    def passed(self) -> bool:
        return not self.problems


def fixture_files(rules_dir: Path) -> list[Path]:
    return sorted((rules_dir / "fixtures").glob("*.yaml"))


def _events(doc: dict[str, Any], path: Path) -> list[dict[str, Any]]:
    events = []
    for index, raw in enumerate(doc.get("events") or []):
        event = {k: v for k, v in raw.items() if k != "__line__"}
        event.setdefault("event_id", derived_id("fixture", path.name, index))
        event.setdefault("source", "fixture")
        events.append(without_lines(event))
    return events


def run_fixture(path: Path, rules_dir: Path) -> FixtureResult:
    """Run one fixture file; return what differed from its expectations."""
    doc = read_rule_file(path) or {}
    result = FixtureResult(doc.get("name", path.stem), f"{path.name}:{doc.get('__line__', 1)}")
    system = bootstrap(Settings(rules_dir=rules_dir))
    submission = system.ingest.submit(_events(doc, path))
    if submission.errors:
        result.problems.extend(f"event {i}: {e}" for i, e in sorted(submission.errors.items()))
        return result
    expect = without_lines(doc.get("expect") or {})
    years = {int(f["year"]) for f in expect.get("flags", [])} or {2009}
    system.pump()
    for year in sorted(years):  # the annual assessment's peer comparisons, as `assess` makes them
        system.risk.assess_peers(year)
    system.pump()
    got_flags = sorted(
        (code, year, theme, j["flag"], tuple(j["rule_ids"]))
        for code in system.reference.areas
        for year in years
        for theme, j in system.risk.assessment(code, year).items()
        if j["flag"]
    )
    want_flags = sorted(
        (f["area"], int(f["year"]), f["theme"], f["flag"], tuple(sorted(f["rules"])))
        for f in expect.get("flags", [])
    )
    got_requests = sorted(
        (r["body"], r["inspectorate"], tuple(r["rule_ids"])) for r in system.gatekeeper.requests()
    )
    want_requests = sorted(
        (r["body"], r["inspectorate"], tuple(sorted(r["rules"])))
        for r in expect.get("requests", [])
    )
    considered = sorted(
        (code, theme, c["rule_id"])
        for code in system.reference.areas
        for year in years
        for theme, j in system.risk.assessment(code, year).items()
        for c in j["considered"]
    )
    want_considered = sorted(
        (c["area"], c["theme"], c["rule"]) for c in expect.get("considered", [])
    )
    for label, got, want in (
        ("flags", got_flags, want_flags),
        ("requests", got_requests, want_requests),
        ("considered", considered, want_considered),
    ):
        if got != want:
            result.problems.append(f"{label}: expected {want}, got {got}")
    result.rules_seen = {r for f in got_flags for r in f[4]} | {c[2] for c in considered}
    return result


def run_all(rules_dir: Path) -> tuple[list[FixtureResult], list[str]]:
    """Every fixture's result, and the shipped rules that no passing fixture exercised."""
    ruleset = load_ruleset(rules_dir)
    results = []
    for path in fixture_files(rules_dir):
        try:
            results.append(run_fixture(path, rules_dir))
        except (RuleError, KeyError, TypeError, ValueError) as exc:
            results.append(FixtureResult(path.stem, path.name, [f"malformed fixture: {exc}"]))
    seen = set().union(*(r.rules_seen for r in results if r.passed)) if results else set()
    uncovered = [rule.id for rule in ruleset.rules if rule.id not in seen]
    return results, uncovered
