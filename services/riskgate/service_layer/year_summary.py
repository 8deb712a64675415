"""The figures `riskgate demo` reports once the year has run: events in, flags with their
reasons, requests, decisions, work, the burden saved and how each citizens' case ended."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from riskgate.domain.vocabulary import INSPECTORATES
from riskgate.service_layer.annual_assessment import organisational_counts
from riskgate.service_layer.burden import burden_rows
from riskgate.service_layer.sample_year import Progress, run_year

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
    requests: list[dict[str, Any]]  # every request received, whatever its date
    decisions: list[dict[str, Any]]
    work: dict[str, int]  # inspectorate -> items on its list
    burden: list[dict[str, Any]]  # burden_rows over the requests received in `year`
    petitions: Counter[str]  # status -> petitions
    today: str  # the clock the year was run on
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


def play_sample_year(
    system: System, year: int, progress: Progress | None = None
) -> Counter[str]:
    """The bundled sample year as `demo` and `report burden` both run it, so that they report
    the same period: loaded and compared with peers on the sample's clock (31 December of the
    year, service_layer/clock.py), then the citizens' deadlines passed by then swept."""
    accepted = run_year(system, year, progress)
    system.citizens.sweep()
    system.pump()
    return accepted


def period(year: int, today: str) -> str:
    """The period a year's figures cover, as `demo` and `report burden` both state it."""
    return (
        f"period: requests received 1 January to 31 December {year}, "
        f"as the gatekeeper's register stands on {today}"
    )


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
        burden=burden_rows(requests, system.gatekeeper.inspections(), year),
        petitions=Counter(p["status"] for p in system.citizens.petitions()),
        cases=system.citizens.calls_for_action(),
        council_names={code: c.name for code, c in system.reference.councils.items()},
        today=system.clock.today().isoformat(),
        triage=[
            r for code in INSPECTORATES for r in system.gatekeeper.triage.items(code, None)
        ],
    )
