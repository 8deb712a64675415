"""The sample year's complaints and petitions: a normal council's complaints stay well under
the rules' thresholds; a complaints plant surges from March."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from riskgate.domain.reference import Council, Reference
from riskgate.domain.vocabulary import AREA_THEMES
from riskgate.sample.ids import OMBUDSMAN, event_id, stream, timestamp
from riskgate.sample.plan import Plan, log_uniform
from riskgate.service_layer.common import envelope

COMPLAINTS_PER_10K = 0.6  # complaints a year per 10,000 residents
UPHELD_SHARE = 1 / 3
# Normal councils are kept well clear of the 1.0 upheld per 10,000 mark.
_NORMAL_UPHELD_CAP_PER_THEME = 0.6
_NORMAL_UPHELD_CAP_TOTAL = 0.8
PETITIONS = 20

# What a complaint or petition is about depends on which tier runs the service.
_THEME_WEIGHTS: dict[str, tuple[float, float, float, float]] = {
    # children, healthier, safer, economic (order of AREA_THEMES)
    "district": (0.05, 0.25, 0.30, 0.40),
    "county": (0.35, 0.35, 0.10, 0.20),
    "all_purpose": (0.25, 0.25, 0.20, 0.30),
}
_CATEGORIES: dict[tuple[str, str], tuple[str, ...]] = {
    ("district", "children_and_young_people"): ("play areas", "leisure centres"),
    ("district", "healthier_communities_and_older_people"): (
        "housing allocations",
        "homelessness",
        "disabled facilities grants",
        "housing repairs",
    ),
    ("upper", "children_and_young_people"): (
        "school admissions",
        "special educational needs",
        "children's social care",
        "school transport",
    ),
    ("upper", "healthier_communities_and_older_people"): (
        "adult social care assessment",
        "home care",
        "residential care charges",
        "direct payments",
    ),
    ("any", "safer_and_stronger_communities"): (
        "anti-social behaviour",
        "noise nuisance",
        "licensing",
        "community safety",
    ),
    ("district", "economic_development_and_environment"): (
        "refuse collection",
        "planning applications",
        "housing benefit",
        "street cleaning",
        "council tax",
    ),
    ("county", "economic_development_and_environment"): (
        "highways maintenance",
        "waste disposal sites",
        "public transport",
        "trading standards",
    ),
    ("all_purpose", "economic_development_and_environment"): (
        "refuse collection",
        "planning applications",
        "housing benefit",
        "highways maintenance",
        "council tax",
    ),
}


def _tier(council: Council) -> str:
    return council.kind if council.kind in ("district", "county") else "all_purpose"


def _categories(council: Council, theme: str) -> tuple[str, ...]:
    tier = _tier(council)
    lookups = [(tier, theme), *([("upper", theme)] if tier != "district" else []), ("any", theme)]
    return next(_CATEGORIES[key] for key in lookups if key in _CATEGORIES)


def _moment_in_year(rng: random.Random, year: int, first_day: int = 0) -> datetime:
    days = (date(year + 1, 1, 1) - date(year, 1, 1)).days
    start = datetime(year, 1, 1, tzinfo=UTC)
    day = rng.randrange(first_day, days)
    return start + timedelta(days=day, hours=rng.randrange(8, 18), seconds=rng.randrange(3600))


def complaints(ref: Reference, plan: Plan, year: int, seed: int) -> list[dict[str, Any]]:
    rng = stream(year, seed, "complaints")
    events: list[dict[str, Any]] = []
    for council in sorted(ref.councils.values(), key=lambda c: c.code):
        population = plan.populations[council.code]
        drafts = _normal_complaints(council, population, rng, year)
        for theme in AREA_THEMES:
            target = plan.upheld_targets.get((council.code, theme))
            if target is not None:
                upheld = sum(1 for _, p in drafts if p["theme"] == theme and p["upheld"])
                drafts += _planted_complaints(council, theme, target - upheld, rng, year)
        drafts.sort(key=lambda d: d[0])
        for n, (moment, payload) in enumerate(drafts, start=1):
            ref_no = f"CMP-{council.code}-{n:04d}"
            payload["complaint_ref"] = ref_no
            source = OMBUDSMAN if payload["channel"] == "ombudsman" else f"council:{council.code}"
            events.append(
                envelope(
                    event_id=event_id(year, seed, f"complaint.received/{ref_no}"),
                    type="complaint.received",
                    occurred_at=timestamp(moment),
                    source=source,
                    body=council.code,
                    payload=payload,
                )
            )
    return events


def _normal_complaints(
    council: Council, population: int, rng: random.Random, year: int
) -> list[tuple[datetime, dict[str, Any]]]:
    expected = population * COMPLAINTS_PER_10K / 10_000
    count = max(1, int(expected) + (rng.random() < expected - int(expected)))
    upheld_by_theme = dict.fromkeys(AREA_THEMES, 0)
    drafts: list[tuple[datetime, dict[str, Any]]] = []
    for _ in range(count):
        theme = rng.choices(AREA_THEMES, weights=_THEME_WEIGHTS[_tier(council)])[0]
        roll = rng.random()
        channel = "resident" if roll < 0.8 else "councillor" if roll < 0.9 else "ombudsman"
        # The Ombudsman finds maladministration in few of the complaints it looks at.
        share = UPHELD_SHARE if channel != "ombudsman" else UPHELD_SHARE / 4
        upheld = rng.random() < share and _within_normal_caps(upheld_by_theme, theme, population)
        upheld_by_theme[theme] += upheld
        drafts.append(
            (
                _moment_in_year(rng, year),
                {
                    "channel": channel,
                    "theme": theme,
                    "category": rng.choice(_categories(council, theme)),
                    "upheld": upheld,
                    "formal": False,
                },
            )
        )
    return drafts


def _within_normal_caps(upheld_by_theme: dict[str, int], theme: str, population: int) -> bool:
    per_theme = (upheld_by_theme[theme] + 1) * 10_000 / population
    total = (sum(upheld_by_theme.values()) + 1) * 10_000 / population
    return per_theme <= _NORMAL_UPHELD_CAP_PER_THEME and total <= _NORMAL_UPHELD_CAP_TOTAL


def _planted_complaints(
    council: Council, theme: str, count: int, rng: random.Random, year: int
) -> list[tuple[datetime, dict[str, Any]]]:
    # The surge builds from March onwards.
    return [
        (
            _moment_in_year(rng, year, first_day=59),
            {
                "channel": "resident" if rng.random() < 0.7 else "ombudsman",
                "theme": theme,
                "category": rng.choice(_categories(council, theme)),
                "upheld": True,
                "formal": False,
            },
        )
        for _ in range(count)
    ]


_PETITION_TOPICS: dict[str, tuple[str, ...]] = {
    "children_and_young_people": (
        "Keep our children's centre open",
        "Safe routes to school",
        "Save the youth club",
    ),
    "healthier_communities_and_older_people": (
        "Save our day centre for older people",
        "Reverse the cut in home care hours",
        "More affordable homes for local families",
    ),
    "safer_and_stronger_communities": (
        "Tackle anti-social behaviour in the town centre",
        "Better street lighting on the estate",
        "CCTV for the high street",
    ),
    "economic_development_and_environment": (
        "Bring back weekly bin collections",
        "Free parking in the town centre",
        "Protect the green belt from development",
        "Fix the potholes",
    ),
}


_NEIGHBOURHOODS: tuple[str, ...] = (
    "Town centre",
    "North ward",
    "South ward",
    "East ward",
    "West ward",
    "Riverside",
    "Station quarter",
)


def petitions(ref: Reference, plan: Plan, year: int, seed: int) -> list[dict[str, Any]]:
    rng = stream(year, seed, "petitions")
    councils = sorted(ref.councils.values(), key=lambda c: c.code)
    events: list[dict[str, Any]] = []
    for council in sorted(rng.sample(councils, PETITIONS), key=lambda c: c.code):
        theme = rng.choices(AREA_THEMES, weights=_THEME_WEIGHTS[_tier(council)])[0]
        petition_ref = f"PET-{council.code}-{year}-1"
        events.append(
            envelope(
                event_id=event_id(year, seed, f"petition.submitted/{petition_ref}"),
                type="petition.submitted",
                occurred_at=timestamp(_moment_in_year(rng, year)),
                source=f"council:{council.code}",
                body=council.code,
                payload={
                    "petition_ref": petition_ref,
                    "topic": rng.choice(_PETITION_TOPICS[theme]),
                    "theme": theme,
                    "signatures": int(log_uniform(rng, 150, 6_000)),
                    "neighbourhood": rng.choice(_NEIGHBOURHOODS),
                },
            )
        )
    return events
