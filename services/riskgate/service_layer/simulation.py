"""What `riskgate rules simulate` shows: what a candidate ruleset would change, before adopting it.

The same events are replayed through the risk rules twice, in fresh embedded
systems, under the current and the candidate ruleset; the difference in flags
and in the inspection burden they would trigger is what the gatekeeper weighs.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from riskgate import topics
from riskgate.bootstrap import bootstrap
from riskgate.config import Settings
from riskgate.service_layer import annual_batch
from riskgate.service_layer.gc_pause import collections_paused

Flag = tuple[str, str, int]  # area, theme, year


@dataclass(frozen=True)
class Replay:
    version: str
    flags: dict[Flag, tuple[str, tuple[str, ...]]]  # -> (flag, rule ids)
    requests: list[dict[str, Any]]

    def days_by(self, key: str) -> Counter[str]:
        days: Counter[str] = Counter()
        for request in self.requests:
            days[request[key]] += request["on_site_days"]
        return days


def replay(rules_dir: Path, events: Iterable[dict[str, Any]]) -> Replay:
    """Run events through the risk rules of `rules_dir` in the batch annual pass (which leaves
    what each event through the live handler would); collect flags and requests."""
    system = bootstrap(Settings(rules_dir=rules_dir))
    years: set[int] = set()

    def noted(event: dict[str, Any]) -> dict[str, Any]:
        years.add(int(event["occurred_at"][:4]))
        return event

    with collections_paused():  # a one-off pass over the whole year: see gc_pause.py
        annual_batch.replay(system.risk, map(noted, events))
        for year in sorted(years):
            system.risk.assess_peers(year)
    flags = {
        (code, theme, year): (j["flag"], tuple(j["rule_ids"]))
        for code in system.reference.areas
        for year in sorted(years | {y - 1 for y in years})
        for theme, j in system.risk.assessment(code, year).items()
        if j["flag"]
    }
    requests = []
    for record in system.bus.read_all(topics.REQUESTS):
        message = json.loads(record.value)
        requests.append({**message["payload"], "body": message["body"]})
    return Replay(system.rules.current().version, flags, requests)


# The events a forked worker replays: set before the fork, so the child has them without
# pickling a year of events through a pipe.
_EVENTS: Sequence[dict[str, Any]] = ()


def _replay_forked(rules_dir: Path) -> Replay:
    return replay(rules_dir, _EVENTS)


def replay_both(
    current_dir: Path,
    candidate_dir: Path,
    events: Sequence[dict[str, Any]],
    watched: Iterable[dict[str, Any]] | None = None,
) -> tuple[Replay, Replay]:
    """The two replays `rules simulate` compares, side by side: the candidate's in a forked
    process while this one replays the current rules (`watched`: the same events with a
    progress bar), so the wait is one replay's on a machine with two cores or more. The two
    systems share nothing; on one core, or where fork is not available, one after the other."""
    global _EVENTS
    if (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return replay(current_dir, watched or events), replay(candidate_dir, events)
    _EVENTS = events
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            candidate = pool.submit(_replay_forked, candidate_dir)
            current = replay(current_dir, watched or events)
            return current, candidate.result()
    finally:
        _EVENTS = ()


def compare(current: Replay, candidate: Replay, names: dict[str, str]) -> list[str]:
    """The report: flags gained and lost, requests and on-site days, current to candidate."""

    def name(code: str) -> str:
        return f"{code} {names.get(code, '')}".strip()

    lines = [f"ruleset {current.version} (current) -> {candidate.version} (candidate)"]
    for label, ours, theirs in (
        ("gained", candidate.flags, current.flags),
        ("lost", current.flags, candidate.flags),
    ):
        changed = sorted(k for k in ours if ours[k] != theirs.get(k))
        lines.append(f"flags {label}: {len(changed)}")
        for area, theme, year in changed:
            flag, rules = ours[(area, theme, year)]
            lines.append(f"  {name(area)}, {theme} {year}: {flag} ({', '.join(rules)})")
    delta = len(candidate.requests) - len(current.requests)
    lines.append(
        f"inspection requests: {len(current.requests)} -> {len(candidate.requests)} ({delta:+d})"
    )
    for key, title in (("inspectorate", "inspectorate"), ("body", "body (changed only)")):
        before, after = current.days_by(key), candidate.days_by(key)
        lines.append(f"estimated on-site days per {title}:")
        for code in sorted(set(before) | set(after)):
            if key == "body" and before[code] == after[code]:
                continue
            change = after[code] - before[code]
            lines.append(f"  {name(code)}: {before[code]} -> {after[code]} ({change:+d})")
    return lines
