"""The annual cycle as users meet it: drafts, challenges, and the published versions.

Which "today" decides the stage is the system's one clock (`System.clock`,
`RISKGATE_TODAY`). A year's judgements are published the first time they are asked for on
or after its publication day (the public route, the ladder, `riskgate demo`): version 1 is
the judgements as they then stand, dated that day; a judgement that changes afterwards (a
late event, a challenge decided) is published as a new version, the earlier kept.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from riskgate.adapters.rule_files import read_rule_file
from riskgate.domain.actors import Actor
from riskgate.domain.cycle import CONTINUOUS, Cycle, parse_cycle
from riskgate.domain.errors import Conflict, NotAllowed, NotFound
from riskgate.domain.rules import RuleError
from riskgate.service_layer.annual_assessment import assess_area

if TYPE_CHECKING:
    from riskgate.bootstrap import System

CYCLES_DIR = "cycles"
OUTCOMES = ("upheld", "rejected")


def load_cycles(rules_dir: Path) -> dict[int, Cycle]:
    """Every cycle file under `<rules_dir>/cycles/`, by year; RuleError names file:line.
    Parsed again only when a file changes, so an edit counts at once."""
    paths = sorted((rules_dir / CYCLES_DIR).glob("*.yaml"))
    signature = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in paths)
    return dict(_parsed(signature))


@lru_cache(maxsize=16)
def _parsed(signature: tuple[tuple[str, int, int], ...]) -> tuple[tuple[int, Cycle], ...]:
    found: dict[int, Cycle] = {}
    for name, _, _ in signature:
        path = Path(name)
        name = f"{CYCLES_DIR}/{path.name}"
        try:
            document = read_rule_file(path)
        except RuleError:
            raise
        except ValueError as exc:  # YAML reads 2009-10-32 as a date, and fails
            raise RuleError(f"{name}:0: not a valid date: {exc}") from None
        cycle = parse_cycle(document, name)
        found[cycle.year] = cycle
    return tuple(sorted(found.items()))


def cycle_for(system: System, year: int) -> Cycle | None:
    """The year's cycle, or None: a year without a cycle file publishes continuously."""
    try:
        return load_cycles(system.settings.rules_dir).get(year)
    except RuleError:
        return None  # a broken file is reported by `rules lint`; until fixed, publish as made


def today(system: System) -> dt.date:
    return system.clock.today()


def is_published(system: System, year: int) -> bool:
    cycle = cycle_for(system, year)
    return cycle is None or cycle.published_on(today(system))


# --- challenges ---------------------------------------------------------------------------


def _challenges_key(area: str, year: int) -> str:
    return f"cycle:challenges:{area}:{year}"


INDEX = "cycle:challenge-index"


def challenges(system: System, area: str, year: int) -> list[dict[str, Any]]:
    """Every challenge of an area's flags for a year, oldest first."""
    stored = system.store.hgetall(_challenges_key(area, year))
    return sorted((json.loads(v) for v in stored.values()), key=lambda c: c["made_at"])


def challenge_flag(
    system: System,
    actor: Actor,
    area: str,
    *,
    year: int,
    theme: str,
    reason: str,
    evidence: list[str],
) -> dict[str, Any]:
    """A council's challenge of a draft flag of its own area, in the challenge window.

    NotAllowed for a role other than a council; Conflict for another area's flag, outside
    the window (naming its dates) or a theme with no flag to challenge."""
    kind, _, council = actor.role.partition(":")
    if kind != "council":
        raise NotAllowed(f"role {actor.role} may not challenge a flag; needs council:<body code>")
    if area not in system.reference.areas:
        raise NotFound(f"unknown area {area}: areas are upper-tier and unitary councils")
    if system.reference.area_of(council) != area:
        raise Conflict(
            f"council {council} is in area {system.reference.area_of(council)}, not {area}: "
            "a council may challenge only its own area's flags",
            {"area": [f"not the area of {council}"]},
        )
    cycle = cycle_for(system, year)
    if cycle is None:
        raise Conflict(
            f"{year} has no cycle file: its judgements are published as made and have no "
            "challenge window",
            {"year": ["no challenge window"]},
        )
    window = cycle.stage("challenge")
    on = today(system)
    if not cycle.in_challenge_window(on):
        raise Conflict(
            f"outside the challenge window for {year}: {window.starts} to {window.ends} "
            f"(today is {on})",
            {"year": [f"challenge window {window.starts} to {window.ends}"]},
        )
    judgement = system.risk.assessment(area, year).get(theme)
    if judgement is None or not judgement.get("flag"):
        raise Conflict(
            f"no draft flag on {theme} for {area} in {year} to challenge",
            {"theme": ["has no flag"]},
        )
    made = {
        "challenge_id": str(uuid.uuid4()),
        "area": area,
        "year": year,
        "theme": theme,
        "flag": judgement["flag"],
        "rule_ids": judgement.get("rule_ids", []),
        "by": actor.to_dict(),
        "reason": reason,
        "evidence": evidence,
        "made_at": dt.datetime.now(dt.UTC).isoformat(),
        "made_on": on.isoformat(),
        "lead_inspectorate": system.rules.current().inspectorate_for(theme),
        "status": "pending",
        "decision": None,
    }
    _save(system, made)
    return made


def _save(system: System, challenge: dict[str, Any]) -> None:
    with system.store.transaction() as batch:
        batch.hset(
            _challenges_key(challenge["area"], challenge["year"]),
            {challenge["challenge_id"]: json.dumps(challenge, sort_keys=True)},
        )
        batch.hset(INDEX, {challenge["challenge_id"]: f"{challenge['area']}|{challenge['year']}"})


def find_challenge(system: System, challenge_id: str) -> dict[str, Any]:
    where = system.store.hget(INDEX, challenge_id)
    if where is None:
        raise NotFound(f"no challenge {challenge_id}")
    area, year = where.split("|")
    raw = system.store.hget(_challenges_key(area, int(year)), challenge_id)
    assert raw is not None
    return dict(json.loads(raw))


def decide_challenge(
    system: System, actor: Actor, challenge_id: str, *, outcome: str, reason: str
) -> dict[str, Any]:
    """The lead inspectorate for the theme upholds or rejects a challenge, with a reason.

    NotAllowed for anyone but that inspectorate; Conflict if it is already decided."""
    with system.store.lock(f"cycle:challenge:{challenge_id}"):
        challenge = find_challenge(system, challenge_id)
        lead = challenge["lead_inspectorate"]
        if actor.role != f"inspectorate:{lead}":
            raise NotAllowed(
                f"role {actor.role} may not decide this challenge; needs inspectorate:{lead}, "
                f"the lead inspectorate for {challenge['theme']}"
            )
        if challenge["status"] != "pending":
            raise Conflict(
                f"challenge {challenge_id} was already {challenge['status']}",
                {"outcome": [f"already {challenge['status']}"]},
            )
        challenge = {
            **challenge,
            "status": outcome,
            "decision": {
                "outcome": outcome,
                "reason": reason,
                "by": actor.to_dict(),
                "on": today(system).isoformat(),
            },
        }
        _save(system, challenge)
    return challenge


# --- what each reader sees ----------------------------------------------------------------


def _with_challenges(document: dict[str, Any], made: list[dict[str, Any]]) -> dict[str, Any]:
    """The assessment with each theme's challenges on it; an upheld one withdraws the flag."""
    themes = dict(document["themes"])
    for theme, judgement in themes.items():
        on_theme = [c for c in made if c["theme"] == theme]
        judgement = {**judgement, "challenges": on_theme}
        upheld = [c for c in on_theme if c["status"] == "upheld"]
        if upheld and judgement.get("flag") == upheld[-1]["flag"]:
            decision = upheld[-1]["decision"]
            judgement["flag"] = None
            judgement["narrative"] = (
                f"{judgement['narrative']} Flag withdrawn: the council's challenge was upheld "
                f"by {decision['by']['role']} on {decision['on']}: {decision['reason']}"
            )
        themes[theme] = judgement
    return {**document, "themes": themes}


def current_assessment(system: System, area: str, year: int) -> dict[str, Any]:
    """The area's judgements as they stand now, challenges and their outcomes on them."""
    return _with_challenges(assess_area(system, area, year), challenges(system, area, year))


def _versions_key(area: str, year: int) -> str:
    return f"cycle:published:{area}:{year}"


def versions(system: System, area: str, year: int) -> list[dict[str, Any]]:
    """Every published version of an area's year, oldest first (none before publication)."""
    publish_due(system, area, year)
    raw = system.store.get(_versions_key(area, year))
    return list(json.loads(raw)) if raw else []


def publish_due(system: System, area: str, year: int) -> bool:
    """Publish the area's year if its publication day has come and the judgements differ
    from the last published version; True when a new version was published."""
    cycle = cycle_for(system, year)
    on = today(system)
    if cycle is None or not cycle.published_on(on):
        return False
    with system.store.lock(f"cycle:publish:{area}:{year}"):
        raw = system.store.get(_versions_key(area, year))
        published = list(json.loads(raw)) if raw else []
        document = current_assessment(system, area, year)
        if published and published[-1]["document"] == document:
            return False
        published.append(
            {"version": len(published) + 1, "published_on": on.isoformat(), "document": document}
        )
        system.store.set(_versions_key(area, year), json.dumps(published, sort_keys=True))
    return True


def _meta(stage: str, status: str, cycle: Cycle | None, latest: dict[str, Any] | None) -> dict:
    return {
        "stage": stage,
        "status": status,
        "publication": cycle.publication.isoformat() if cycle else None,
        "version": latest["version"] if latest else None,
        "published_on": latest["published_on"] if latest else None,
    }


def public_assessment(system: System, area: str, year: int) -> dict[str, Any]:
    """What the public sees: the latest published version, or, before publication, no
    judgement at all (the stage and the publication day say when)."""
    cycle = cycle_for(system, year)
    if cycle is None:
        return {
            **current_assessment(system, area, year),
            **_meta(CONTINUOUS, "published", None, None),
        }
    on = today(system)
    published = versions(system, area, year)
    if not published:
        document = assess_area(system, area, year)
        empty = {**document, "themes": {}, "organisational_themes": {}, "organisations": {}}
        return {**empty, **_meta(cycle.stage_on(on), "not_yet_published", cycle, None)}
    latest = published[-1]
    return {**latest["document"], **_meta(cycle.stage_on(on), "published", cycle, latest)}


def draft_assessment(system: System, area: str, year: int) -> dict[str, Any]:
    """What the area's councils, the inspectorates and the gatekeeper see: the judgements as
    they stand, `draft` until publication."""
    cycle = cycle_for(system, year)
    on = today(system)
    if cycle is None:
        return public_assessment(system, area, year)
    published = versions(system, area, year)
    status = "published" if cycle.published_on(on) else "draft"
    latest = published[-1] if published else None
    return {
        **current_assessment(system, area, year),
        **_meta(cycle.stage_on(on), status, cycle, latest),
    }


def may_see_drafts(system: System, actor: Actor, area: str) -> bool:
    """The area's councils, the inspectorates, the area's Government Office and the gatekeeper."""
    kind, _, code = actor.role.partition(":")
    if kind in ("inspectorate", "gatekeeper"):
        return True
    if kind == "council":
        return system.reference.area_of(code) == area
    return False
