"""What the public pages read about an area: its assessment (the same document as
`GET /v1/areas/{code}/assessment`), the rules behind each flag, its indicators beside its
peers and the nation, and its citizens' calls for action and petitions."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from riskgate.domain.comparison import Quarter, compare_quarters
from riskgate.service_layer import ladder
from riskgate.service_layer.cycle import public_assessment
from riskgate.service_layer.repositories.risk_facts import RiskFacts

if TYPE_CHECKING:
    from riskgate.bootstrap import System

FIRST_YEAR = 2008  # the National Indicator Set's first year
_INDICATOR = re.compile(r"^NI \d{1,3}$")


def assessment_year(system: System, area: str) -> int:
    """The latest year, to this year, in which any theme of `area` was judged (else this year)."""
    this_year = system.clock.today().year
    for year in range(this_year, FIRST_YEAR - 1, -1):
        if system.risk.assessment(area, year):
            return year
    return this_year


def cited_indicators(assessment: dict[str, Any]) -> list[str]:
    """The indicators the area's judgements cite as evidence, in NI order."""
    found = {
        str(e.get("subject"))
        for j in (*assessment["themes"].values(), *assessment["organisational_themes"].values())
        for e in j["evidence"]
        if _INDICATOR.match(str(e.get("subject", "")))
    }
    return sorted(found, key=lambda ni: int(ni.split()[1]))


def reported_indicators(system: System, area: str) -> list[str]:
    """The indicators the area has reported at all, in NI order."""
    facts = RiskFacts(system.store)
    return [code for code in system.reference.indicators if facts.indicator_series(area, code)]


def indicator_comparison(system: System, area: str, indicator: str, year: int) -> list[Quarter]:
    """The area's indicator for `year` against its peers' middle and the national quartiles."""
    kind_of = {code: a.kind for code, a in system.reference.areas.items()}
    series = RiskFacts(system.store).indicator_series_by_area(indicator, kind_of)
    values = {a: {p: fact[0] for p, fact in s.items()} for a, s in series.items()}
    return compare_quarters(area, year, values, kind_of)


def rules_cited(system: System, assessment: dict[str, Any]) -> dict[str, Any]:
    """rule id -> the rule (title, public criterion) for every rule the judgements name."""
    ruleset = system.rules.current()
    named = {
        rule_id
        for j in (*assessment["themes"].values(), *assessment["organisational_themes"].values())
        for rule_id in j["rule_ids"]
    }
    return {rule.id: rule for rule in ruleset.rules if rule.id in named}


def area_page(system: System, code: str, year: int) -> dict[str, Any]:
    """Everything the area page shows for `year` (NotFound for a code that is not an area):
    the public's view of the judgements, the latest published version (service_layer/cycle.py)."""
    assessment = public_assessment(system, code, year)
    area = system.reference.areas[code]
    cited = cited_indicators(assessment)
    members = set(area.members)
    return {
        "assessment": assessment,
        "area": area,
        "region": area.region,
        "councils": {c: system.reference.councils[c] for c in area.members},
        "rules": rules_cited(system, assessment),
        "comparisons": {ni: indicator_comparison(system, code, ni, year) for ni in cited},
        # one read of each list, not one per council (a county has a dozen)
        "calls_for_action": [
            case for case in system.citizens.calls_for_action() if case["council"] in members
        ],
        "petitions": [p for p in system.citizens.petitions() if p["council"] in members],
        # the public's LAA review view and ladder summary, as GET /v1/areas/{code}/laa and
        # /ladder give them to a caller without a token (no local targets)
        "laa": system.risk.laa.review(
            code, year, system.risk.indicator_series, system.rules.current(), include_local=False
        ),
        "ladder": ladder.public_summaries(system, code),
    }
