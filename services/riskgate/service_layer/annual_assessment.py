"""The annual risk assessment: every area's flags per theme and its councils' scores, judged
from the facts the risk service holds; `riskgate assess` and `GET /v1/areas/{code}/assessment`
give the same document for an area."""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from riskgate.domain.assessment import SCORE_LABELS, area_assessment, organisational_score
from riskgate.domain.errors import NotFound
from riskgate.domain.rules import RuleSet
from riskgate.service_layer import annual_batch, forked
from riskgate.service_layer.direction_of_travel import directions

if TYPE_CHECKING:
    from riskgate.bootstrap import System


def replay(
    system: System,
    events: Iterable[dict[str, Any]],
    *,
    streaming: bool = False,
    fork_with: Sequence[dict[str, Any]] | None = None,
) -> None:
    """Run a year's events through the risk rules in this process (embedded `assess`, `rules
    simulate`): by the batch annual pass (annual_batch.py; `fork_with`, the same events as a
    sequence, for its forked copy), or, `streaming`, each event through the risk service's
    handler as the live consumer would. Both leave the same picture."""
    if streaming:
        for event in events:
            system.risk.handle(event)
    else:
        annual_batch.replay(system.risk, events, fork_with=fork_with)


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


@dataclass(frozen=True)
class YearReads:
    """What every area's assessment of one year reads alike, read once for `assess_year`
    (scoped to that one call, so nothing is kept that a later write could make stale)."""

    ruleset: RuleSet
    organisations: dict[str, dict[str, Any]]  # each scored council's scores
    members: dict[str, list[str]]  # area -> the scored bodies of it that are not councils
    laa_rows: dict[str, list[dict[str, Any]]]  # area -> its reported LAA targets' rows
    travel: dict[str, dict[str, Any]]  # council -> its Direction of Travel

    @classmethod
    def read(cls, system: System, year: int) -> YearReads:
        """Every area's LAA targets and every council's Direction of Travel, in one pass."""
        return cls(system.rules.current(), *cls._parts(system, year))

    @classmethod
    def later(cls, system: System, year: int) -> Callable[[], YearReads]:
        """`read`, in a forked copy of this process while this one goes on (forked.py: an
        embedded system, on two cores), for a caller whose work meanwhile changes nothing it
        reads (the comparison with peers writes only what the rules found and judged)."""
        parts = forked.Later(
            functools.partial(cls._parts, system, year),
            system.risk.in_memory and forked.two_cores(),
        )
        return lambda: cls(system.rules.current(), *parts.result())

    @staticmethod
    def _parts(system: System, year: int) -> tuple[Any, ...]:
        """What `read` reads besides the ruleset (which holds functions, and is not sent)."""
        ruleset = system.rules.current()
        organisations = system.risk.organisations(year)
        members: dict[str, list[str]] = {}
        for body in sorted(organisations):
            if body not in system.reference.councils:
                members.setdefault(system.risk.area_of(body), []).append(body)
        areas = sorted(system.reference.areas)
        laa_rows = {code: laa_targets(system, code, year, ruleset) for code in areas}
        councils = [
            body
            for code in areas
            for body in system.reference.areas[code].members
            if body in system.reference.councils
        ]
        travel = directions(system, year, councils, ruleset=ruleset, laa_rows=laa_rows)
        return organisations, members, laa_rows, travel


def laa_targets(system: System, code: str, year: int, ruleset: RuleSet) -> list[dict[str, Any]]:
    """The area's reported LAA targets observed for the year: what both its assessment's LAA
    section and its councils' Direction of Travel read."""
    return system.risk.laa.targets(
        code, year, system.risk.indicator_series, ruleset, include_local=False
    )


def with_performance(
    system: System, document: dict[str, Any], year: int, reads: YearReads | None = None
) -> dict[str, Any]:
    """The assessment with the area's LAA (its annual report beside the data), the partners
    scored for use of resources, and each organisation's Direction of Travel beside it
    (`reads`: the year's, read once for every area; without it, only this area's are read)."""
    code = document["area"]
    ruleset = system.rules.current() if reads is None else reads.ruleset
    rows = laa_targets(system, code, year, ruleset) if reads is None else reads.laa_rows[code]
    document["laa"] = system.risk.laa.assessment_section(
        code, year, system.risk.indicator_series, ruleset, rows=rows
    )
    if reads is None:
        scored = system.risk.organisations(year)
        members = [
            body
            for body in sorted(scored)
            if body not in system.reference.councils and system.risk.area_of(body) == code
        ]
    else:
        scored, members = reads.organisations, reads.members.get(code, [])
    for body in members:
        document["organisations"][body] = organisational_score(scored[body])
    councils = [b for b in document["organisations"] if b in system.reference.councils]
    if reads is None:
        travel = directions(system, year, councils, ruleset=ruleset, laa_rows={code: rows})
    else:
        travel = reads.travel
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
        reads_later = YearReads.later(system, year)
        system.peers.compare(year)
        reads = reads_later()
    else:
        reads = YearReads.read(system, year)
    version = reads.ruleset.version
    areas = {
        code: with_performance(
            system,
            area_assessment(
                area, year, system.risk.assessment(code, year), reads.organisations, version
            ),
            year,
            reads,
        )
        for code, area in sorted(system.reference.areas.items())
    }
    return {"year": year, "ruleset_version": version, "areas": areas}


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
