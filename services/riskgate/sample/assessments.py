"""The sample year's self-assessments, inspection findings and audit scores: the known and
managed plants appear in their area's self-assessment with an action plan on track."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from riskgate.domain.reference import Reference
from riskgate.domain.vocabulary import AREA_THEMES
from riskgate.sample.floors import floors
from riskgate.sample.ids import event_id, stream, timestamp
from riskgate.sample.plan import FINDING_PLANTS, Plan
from riskgate.service_layer.common import envelope

_ACTION_PLANS: dict[str, str] = {
    "NI 75": "GCSE improvement partnership with the weakest schools; termly progress reviews",
    "NI 73": "Key Stage 2 literacy and numeracy programme in targeted primary schools",
    "NI 117": "Targeted NEET re-engagement programme with Connexions and colleges",
    "NI 59": "Extra duty social workers and a new referral triage desk",
    "NI 15": "Joint violent crime reduction plan with the police and licensed premises",
    "NI 153": "Work-ready programme with Jobcentre Plus in the worst neighbourhoods",
    "NI 192": "Kerbside food waste and mixed recycling rolled out borough-wide",
    "NI 181": "Benefits processing backlog team and new claims software",
    "NI 135": "Carers' assessment drive with the carers' centre and GP practices",
}


def self_assessments(ref: Reference, plan: Plan, year: int, seed: int) -> list[dict[str, Any]]:
    rng = stream(year, seed, "self_assessments")
    at = timestamp(datetime(year, 9, 15, 9, tzinfo=UTC))
    managed = {(p.area, p.theme): p for p in plan.plants if p.kind == "known_and_managed"}
    by_theme: dict[str, list[str]] = {t: [] for t in AREA_THEMES}
    for indicator in ref.indicators.values():
        if indicator.id not in floors() and indicator.polarity is not None:
            by_theme[indicator.theme].append(indicator.id)
    events: list[dict[str, Any]] = []
    for area in sorted(ref.areas):
        for theme in AREA_THEMES:
            concerns: list[dict[str, Any]] = []
            plant = managed.get((area, theme))
            if plant is not None and plant.indicator is not None:
                concerns.append(_concern(plant.indicator, _ACTION_PLANS[plant.indicator]))
            elif rng.random() < 0.08:
                # An everyday concern an area is already acting on; not a problem to find.
                indicator_id = rng.choice(by_theme[theme])
                concerns.append(_concern(indicator_id, "Improvement plan agreed with partners"))
            events.append(
                envelope(
                    event_id=event_id(year, seed, f"self_assessment.submitted/{area}/{theme}"),
                    type="self_assessment.submitted",
                    occurred_at=at,
                    source=f"council:{area}",
                    body=area,
                    payload={"year": year, "theme": theme, "concerns": concerns},
                )
            )
    return events


def findings(plan: Plan, year: int, seed: int) -> list[dict[str, Any]]:
    """The planted inspection findings, reported in June."""
    by_kind_theme = {(k, t): (i, f) for k, t, i, f in FINDING_PLANTS}
    events = []
    for plant in plan.plants:
        if (plant.kind, plant.theme) not in by_kind_theme:
            continue
        inspectorate, finding = by_kind_theme[(plant.kind, plant.theme)]
        name = f"finding:{plant.area}:{plant.theme}"
        events.append(
            envelope(
                event_id=event_id(year, seed, name),
                type="inspection.finding",
                occurred_at=f"{year}-06-15T10:00:00+00:00",
                source=inspectorate,
                body=plant.area,
                payload={
                    "inspection_id": f"INS-{year}-{plant.area}-{inspectorate}",
                    "inspectorate": inspectorate,
                    "theme": plant.theme,
                    "finding": finding,
                    "summary": plant.detail,
                },
            )
        )
    return events


# Use of resources 1-4, roughly as the Audit Commission scored councils: mostly adequate or
# well; the rare 1s and 4s are planted (AUDIT_PLANTS).
_SCORE_WEIGHTS = ((2, 0.47), (3, 0.53))


def use_of_resources(ref: Reference, plan: Plan, year: int, seed: int) -> list[dict[str, Any]]:
    """The Audit Commission's use of resources and managing performance scores, in November."""
    rng = stream(year, seed, "use_of_resources")
    scores, weights = zip(*_SCORE_WEIGHTS, strict=True)
    planted_scores = {p.body: p.scores for p in plan.plants if p.scores is not None}
    events = []
    for code in sorted(ref.councils):
        resources, performance = rng.choices(scores, weights, k=2)
        resources, performance = planted_scores.get(code, (resources, performance))
        events.append(
            envelope(
                event_id=event_id(year, seed, f"use_of_resources:{code}"),
                type="use_of_resources.scored",
                occurred_at=timestamp(datetime(year, 11, 2, 10, tzinfo=UTC)),
                source="audit-commission",
                body=code,
                payload={"year": year, "score": resources, "managing_performance": performance},
            )
        )
    return events


def _concern(indicator_id: str, action_plan: str) -> dict[str, Any]:
    return {"subject": indicator_id, "action_plan": action_plan, "status": "on_track"}
