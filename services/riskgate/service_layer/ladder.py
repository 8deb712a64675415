"""The ladder's cases as users meet them: opened from published judgements, rungs taken by
the roles `rules/ladder.yaml` names, Improvement Notice milestones checked against the
indicator data as it arrives (each time a case is read), and who may see what."""

from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from riskgate.adapters.rule_files import read_rule_file
from riskgate.adapters.shipped_rules import shipped_rules_dir
from riskgate.domain import ladder
from riskgate.domain.actors import Actor, region_slug
from riskgate.domain.errors import Invalid, NotFound
from riskgate.domain.ladder import Ladder
from riskgate.service_layer import cycle
from riskgate.service_layer.direction_of_travel import councils_scoring
from riskgate.service_layer.proposals import propose_inspection
from riskgate.service_layer.repositories.risk_facts import RiskFacts

if TYPE_CHECKING:
    from riskgate.bootstrap import System

CASES = "ladder:cases"
LADDER_FILE = "ladder.yaml"
INSPECTION_NOTICE_DAYS = 28  # a local setting: riskgate's default window for a ladder inspection
INSPECTION_WINDOW_DAYS = 90
INSPECTION_ON_SITE_DAYS = 5


def load_ladder(rules_dir: Path) -> Ladder:
    """The rungs and opening thresholds of `<rules_dir>/ladder.yaml` (parsed again when the
    file changes)."""
    path = rules_dir / LADDER_FILE
    if not path.is_file():
        path = shipped_rules_dir() / LADDER_FILE  # rules exported before the ladder existed
    stat = path.stat()
    return _parsed(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _parsed(path: str, mtime_ns: int, size: int) -> Ladder:
    return ladder.parse_ladder(read_rule_file(Path(path)), LADDER_FILE)


def _stored(system: System) -> dict[str, dict[str, Any]]:
    return {k: json.loads(v) for k, v in system.store.hgetall(CASES).items()}


def _save(system: System, case: dict[str, Any]) -> None:
    system.store.hset(CASES, {case["case_id"]: json.dumps(case, sort_keys=True)})


def _red(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t: j for t, j in document["themes"].items() if j.get("flag") == "red"}


def _previous(system: System, area: str, year: int) -> dict[str, Any] | None:
    """The year's published judgements: its latest version, or, with no cycle file, the
    judgements as they stand (published as made)."""
    if cycle.cycle_for(system, year) is None:
        return cycle.current_assessment(system, area, year)
    published = cycle.versions(system, area, year)
    return published[-1]["document"] if published else None


def _evidence(*judgements: dict[str, Any]) -> list[str]:
    return sorted({e["event_id"] for j in judgements for e in j.get("evidence", [])})


def open_due_cases(system: System, only: str | None = None) -> int:
    """Open a case for every body and theme that a published year puts on the ladder: a red
    flag for the second cycle running, or a council's Use of Resources or Direction of Travel
    scored 1. Idempotent; returns how many were opened now. With `only` (an area code), only
    that area's (all an area's view needs: a case belongs to one area)."""
    rules = load_ladder(system.settings.rules_dir)
    existing = _stored(system)
    opened = 0
    on_file = cycle.load_cycles(system.settings.rules_dir)
    for year in sorted(y for y, c in on_file.items() if c.published_on(cycle.today(system))):
        for area in _candidates(system, year, rules, only):
            published = cycle.versions(system, area, year)
            if not published:
                continue
            latest, first_on = published[-1]["document"], published[0]["published_on"]
            on = dt.date.fromisoformat(first_on)
            new: list[dict[str, Any]] = []
            before = _previous(system, area, year - 1)
            for theme, judgement in _red(latest).items():
                earlier = _red(before).get(theme) if before else None
                if earlier is None or rules.red_flag_cycles_running != 2:
                    continue
                new.append(
                    ladder.open_case(
                        area, area, theme, on=on,
                        because=f"red flag on {theme} published for {year - 1} and {year}",
                        evidence=_evidence(earlier, judgement),
                    )
                )  # fmt: skip
            for body, score in latest.get("organisations", {}).items():
                if score.get("use_of_resources") == rules.use_of_resources_score:
                    new.append(
                        ladder.open_case(
                            body, area, "use_of_resources", on=on,
                            because=f"Use of Resources scored {score['use_of_resources']} for {year}",
                            evidence=list(score.get("evidence", [])),
                        )
                    )  # fmt: skip
                travel = score.get("direction_of_travel") or {}
                if travel.get("score") == rules.direction_of_travel_score:
                    new.append(
                        ladder.open_case(
                            body, area, ladder.DIRECTION_OF_TRAVEL, on=on,
                            because=f"Direction of Travel scored {travel['score']} for {year}: "
                            f"{travel['reason']}",
                            evidence=[],  # derived from figures, not from events
                            grounds=travel["evidence"],
                        )
                    )  # fmt: skip
            for case in new:
                if case["case_id"] not in existing:
                    existing[case["case_id"]] = case
                    _save(system, case)
                    opened += 1
    return opened


def _candidates(
    system: System, year: int, rules: Ladder, only: str | None = None
) -> list[str]:
    """The areas (of `only`, if given) that may have a case to open for `year`: a red flag, or
    a council whose Use of Resources or Direction of Travel is at the threshold (the others
    need not be published to know)."""
    weak = {
        system.reference.area_of(body) or body
        for body, scores in system.risk.organisations(year).items()
        if scores.get("use_of_resources") == rules.use_of_resources_score
    } | {
        system.reference.area_of(body) or body
        for body in councils_scoring(system, year, rules.direction_of_travel_score)
    }
    red = {
        area
        for area in ([only] if only else system.reference.areas)
        if any(j.get("flag") == "red" for j in system.risk.assessment(area, year).values())
    }
    return sorted(a for a in red | weak if only is None or a == only)


def _checked(system: System, case: dict[str, Any], rules: Ladder) -> dict[str, Any]:
    """The case with its pending milestones judged against the indicator data so far."""
    if not any(m["status"] == "pending" for m in case["milestones"]):
        return case
    facts = RiskFacts(system.store)
    series = {
        m["indicator"]: facts.indicator_series(case["body"], m["indicator"])
        for m in case["milestones"]
    }
    updated = ladder.check_milestones(case, rules, series, cycle.today(system))
    if updated != case:
        _save(system, updated)
    return updated


def may_see(system: System, actor: Actor, case: dict[str, Any]) -> bool:
    """The body's council (and its area's), the area's Government Office, the inspectorates
    and the gatekeeper."""
    kind, _, code = actor.role.partition(":")
    if kind in ("inspectorate", "gatekeeper"):
        return True
    if kind == "council":
        return code == case["body"] or system.reference.area_of(code) == case["area"]
    if kind == "government_office":
        area = system.reference.areas.get(case["area"])
        return area is not None and region_slug(area.region) == code
    return False


def cases(system: System, actor: Actor) -> list[dict[str, Any]]:
    """The cases `actor` may see, milestones checked, by case id."""
    open_due_cases(system)
    rules = load_ladder(system.settings.rules_dir)
    return [
        _checked(system, case, rules)
        for _, case in sorted(_stored(system).items())
        if may_see(system, actor, case)
    ]


def case(system: System, actor: Actor, case_id: str) -> dict[str, Any]:
    """One case; NotFound when there is none or `actor` may not see it."""
    open_due_cases(system)
    found = _stored(system).get(case_id)
    if found is None or not may_see(system, actor, found):
        raise NotFound(f"no ladder case {case_id} visible to {actor.role}")
    return _checked(system, found, load_ladder(system.settings.rules_dir))


def public_summaries(system: System, area: str) -> list[dict[str, Any]]:
    """The public's view of an area's cases: the body, theme, rung and since when."""
    if area not in system.reference.areas:
        raise NotFound(f"unknown area {area}: areas are upper-tier and unitary councils")
    open_due_cases(system, area)
    return [
        ladder.public_summary(c) for _, c in sorted(_stored(system).items()) if c["area"] == area
    ]


def _milestones(system: System, raw: list[dict[str, Any]], served: dt.date) -> list[dict[str, Any]]:
    unknown = {
        f"milestones.{i}.indicator": [f"unknown indicator {m['indicator']}"]
        for i, m in enumerate(raw)
        if m["indicator"] not in system.reference.indicators
        or system.reference.indicators[m["indicator"]].polarity is None
    }
    if unknown:
        raise Invalid(
            "a milestone names an unknown indicator (or one with no better or worse)", unknown
        )
    return [
        ladder.milestone(
            m["indicator"],
            m["value"],
            m["by"],
            str(system.reference.indicators[m["indicator"]].polarity),
            served,
        )
        for m in raw
    ]


def take_rung(
    system: System,
    actor: Actor,
    case_id: str,
    *,
    rung: str,
    reason: str,
    out_of_order_reason: str | None = None,
    milestones: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Record a rung taken on a case by `actor`. The inspection rung proposes an inspection
    to the gatekeeper; an Improvement Notice needs its milestones (400 naming an unknown
    indicator). NotAllowed for a role the rung does not list; Conflict out of order."""
    rules = load_ladder(system.settings.rules_dir)
    with system.store.lock(f"ladder:case:{case_id}"):
        found = case(system, actor, case_id)
        if rung == "improvement_notice" and not milestones:
            raise Invalid("an Improvement Notice needs milestones", {"milestones": ["required"]})
        if rung != "improvement_notice" and milestones:
            raise Invalid(
                "only an Improvement Notice has milestones",
                {"milestones": [f"not for rung {rung}"]},
            )
        on = cycle.today(system)
        checked = _milestones(system, milestones or [], on)
        updated = ladder.take_rung(
            found, rules, rung, actor=actor.to_dict(), reason=reason,
            out_of_order_reason=out_of_order_reason, on=on,
        )  # fmt: skip
        if checked:
            updated["milestones"] = [*updated["milestones"], *checked]
        if rung == "inspection":
            updated["rungs"][-1]["request_id"] = _propose(system, actor, found, reason)
        _save(system, updated)
    return updated


def _propose(system: System, actor: Actor, found: dict[str, Any], reason: str) -> str:
    """Propose the inspection rung's inspection to the gatekeeper, as a Government Office."""
    start = cycle.today(system) + dt.timedelta(days=INSPECTION_NOTICE_DAYS)
    proposal = {
        "body": found["body"],
        "inspectorate": system.rules.current().inspectorate_for(found["theme"]),
        "theme": found["theme"],
        "origin": "government_office",
        "reason": f"ladder case {found['case_id']}: {reason}",
        "evidence": found["evidence"],
        "urgency": "normal",
        "window_start": start.isoformat(),
        "window_end": (start + dt.timedelta(days=INSPECTION_WINDOW_DAYS)).isoformat(),
        "on_site_days": INSPECTION_ON_SITE_DAYS,
        "subject": "council_services",
    }
    if actor.role == "gatekeeper":
        proposal["justification"] = "taken as a rung of the ladder of support and intervention"
    return propose_inspection(
        proposal,
        actor.role,
        system.clock,
        area_of=lambda body: system.reference.area_of(body) or found["area"],
        publisher=system.bus.publisher(),
    )
