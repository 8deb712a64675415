"""The figures `riskgate demo` reports once the year has run: events in, flags with their
reasons, requests, decisions, work, the burden saved and how each citizens' case ended."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from riskgate.domain.vocabulary import INSPECTORATES
from riskgate.service_layer.annual_assessment import organisational_counts
from riskgate.service_layer.burden import burden_rows

if TYPE_CHECKING:
    from riskgate.bootstrap import System


@dataclass(frozen=True)
class YearSummary:
    """What the pipeline made of a year, read back from the services."""

    year: int
    ruleset_version: str
    policies_version: str
    accepted: Counter[str]  # event type -> events ingest accepted
    judgements: dict[str, dict[str, dict[str, Any]]]  # area -> theme -> judgement
    area_names: dict[str, str]
    councils_scored: int
    organisational: dict[str, int]  # score label -> councils
    requests: list[dict[str, Any]]
    decisions: list[dict[str, Any]]
    work: dict[str, int]  # inspectorate -> items on its list
    burden: list[dict[str, Any]]  # burden_rows over every request
    petitions: Counter[str]  # status -> petitions
    cases: list[dict[str, Any]]  # calls for action
    council_names: dict[str, str]
    triage: list[dict[str, Any]] = field(default_factory=list)  # every triage record

    def flags(self) -> Counter[tuple[str, str]]:
        """(flag, theme) -> areas with that flag."""
        return Counter(
            (j["flag"], theme)
            for per in self.judgements.values()
            for theme, j in per.items()
            if j["flag"]
        )

    def decision_for(self, request_id: str) -> dict[str, Any] | None:
        """The gatekeeper's decision on a request, if it has made one."""
        return {d["request_id"]: d for d in self.decisions}.get(request_id)  # the latest


def summarise_year(system: System, year: int, accepted: Counter[str]) -> YearSummary:
    """Read the year's outcome from every service of `system`."""
    requests = system.gatekeeper.requests()
    scored, organisational = organisational_counts(system, year)
    return YearSummary(
        year=year,
        ruleset_version=system.rules.current().version,
        policies_version=system.gatekeeper.policies.version,
        accepted=accepted,
        judgements={code: system.risk.assessment(code, year) for code in system.reference.areas},
        area_names={code: area.name for code, area in system.reference.areas.items()},
        councils_scored=scored,
        organisational=organisational,
        requests=requests,
        decisions=system.gatekeeper.decisions(),
        work={code: len(system.work.items(code)) for code in INSPECTORATES},
        burden=burden_rows(requests, system.gatekeeper.inspections()),
        petitions=Counter(p["status"] for p in system.citizens.petitions()),
        cases=system.citizens.calls_for_action(),
        council_names={code: c.name for code, c in system.reference.councils.items()},
        triage=[
            r for code in INSPECTORATES for r in system.gatekeeper.triage.items(code, None)
        ],
    )
