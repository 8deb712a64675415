"""The annual risk assessment: every area's flags per theme and its councils' scores, judged
from the facts the risk service holds; `riskgate assess` and `GET /v1/areas/{code}/assessment`
give the same document for an area."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from riskgate.domain.assessment import SCORE_LABELS, area_assessment, organisational_score
from riskgate.domain.errors import NotFound
from riskgate.service_layer.direction_of_travel import directions

if TYPE_CHECKING:
    from riskgate.bootstrap import System


def replay(system: System, events: Iterable[dict[str, Any]]) -> None:
    """Run a year's events through the risk rules in this process (embedded `assess`)."""
    for event in events:
        system.risk.handle(event)


def assess_area(system: System, code: str, year: int) -> dict[str, Any]:
    """One area's assessment for `year`; NotFound for a code that is not an area."""
    area = system.reference.areas.get(code)
    if area is None:
        raise NotFound(f"unknown area {code}: areas are upper-tier and unitary councils")
    document = area_assessment(
        area,
        year,
        system.risk.assessment(code, year),
        system.risk.organisations(year),
        system.rules.current().version,
    )
    with_triage(document, system.gatekeeper.triage.recorded(code, year))
    return with_performance(system, document, year)


def with_performance(system: System, document: dict[str, Any], year: int) -> dict[str, Any]:
    """The assessment with the area's LAA (its annual report beside the data), the partners
    scored for use of resources, and each organisation's Direction of Travel beside it."""
    code = document["area"]
    ruleset = system.rules.current()
    document["laa"] = system.risk.laa.assessment_section(
        code, year, system.risk.indicator_series, ruleset
    )
    scored = system.risk.organisations(year)
    for body in sorted(scored):
        if body in system.reference.councils:
            continue  # a council is listed with its own area already
        if system.risk.area_of(body) == code:
            document["organisations"][body] = organisational_score(scored[body])
    councils = [b for b in document["organisations"] if b in system.reference.councils]
    travel = directions(system, year, councils)
    for body, organisation in document["organisations"].items():
        organisation["direction_of_travel"] = travel.get(body)
    return document


def with_triage(document: dict[str, Any], records: Iterable[dict[str, Any]]) -> None:
    """Record, beside each theme's judgement, what the owning inspectorate's triage made of the
    requests its red flag raised: waiting, confirmed, declined (with the reason) or confirmed
    automatically."""
    for record in records:
        judgement = document["themes"].get(record["theme"])
        if judgement is None:
            continue
        shown = {k: v for k, v in record.items() if k != "request"}
        judgement.setdefault("triage", []).append(shown)


def assess_year(system: System, year: int, *, compare: bool = True) -> dict[str, Any]:
    """Every area's assessment for `year`: `{year, ruleset_version, areas}`.

    `compare` makes the year's comparison with peer areas first, with the function the live
    risk service uses (service_layer/peer_comparison.py): an embedded replay, or `--publish`
    against Kafka and Redis, which publishes its flags and requests. Without it the document
    reads only, and holds the comparison the live risk service made last."""
    if compare:
        system.peers.compare(year)
    ruleset = system.rules.current().version
    organisations = system.risk.organisations(year)
    areas = {
        code: with_performance(
            system,
            area_assessment(area, year, system.risk.assessment(code, year), organisations, ruleset),
            year,
        )
        for code, area in sorted(system.reference.areas.items())
    }
    return {"year": year, "ruleset_version": ruleset, "areas": areas}


def flag_counts(document: dict[str, Any]) -> Counter[tuple[str, str]]:
    """(flag, theme) -> how many areas got that flag, over area and organisational themes."""
    return Counter(
        (j["flag"], theme)
        for a in document["areas"].values()
        for theme, j in (*a["themes"].items(), *a["organisational_themes"].items())
        if j["flag"]
    )


def considered_count(document: dict[str, Any]) -> int:
    """Concerns considered and not flagged (known and managed), over every area and theme."""
    return sum(
        len(j["considered"]) for a in document["areas"].values() for j in a["themes"].values()
    )


def organisational_counts(system: System, year: int) -> tuple[int, dict[str, int]]:
    """How many councils were scored for `year`, and how many at each label, lowest first."""
    scored = system.risk.organisations(year)
    counts = Counter(organisational_score(s)["score"] for s in scored.values())
    return len(scored), {SCORE_LABELS[n]: counts.get(n, 0) for n in sorted(SCORE_LABELS)}


def peers_pending(system: System, year: int) -> bool:
    """Whether the year's figures changed since the live risk service last compared its areas
    with their peers (it will once they have been quiet for RISKGATE_PEERS_QUIET_SECONDS)."""
    return year in system.risk.peers_due()
