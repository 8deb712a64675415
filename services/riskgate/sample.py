"""The bundled sample year: a deterministic, realistic stream of events with planted problems.

Every council is registered with a synthetic population; every area reports
every national indicator each quarter; councils receive complaints and a few
petitions; every area submits a self-assessment per theme. A small number of
problems are planted on purpose (see ``planted``) so that a risk assessment
over the year has something true to find, and nothing else to find.

Same arguments, same events: randomness comes only from ``random.Random``
instances seeded from (year, seed, purpose) and every ``event_id`` is a
``uuid5`` of a descriptive name, so the year can be regenerated, replayed and
compared byte for byte.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import random
import uuid
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from riskgate.domain.reference import AREA_KINDS, Council, Reference, load_reference
from riskgate.domain.vocabulary import AREA_THEMES, THEME_TITLES
from riskgate.service_layer.common import envelope

SAMPLE_YEAR = 2009
SAMPLE_SEED = 2009
SAMPLE_NAMESPACE = uuid.UUID("fcf1a247-9493-4bab-8e30-11ba54664822")

DATA_HUB = "data-hub"
OMBUDSMAN = "local-government-ombudsman"

CITY_OF_LONDON = "E09000001"
ISLES_OF_SCILLY = "E06000053"
_FIXED_POPULATIONS = {CITY_OF_LONDON: 8_000, ISLES_OF_SCILLY: 2_000}
# Drawn log-uniformly (most councils are small, a few are large); counties sum their districts.
_POPULATION_RANGES: dict[str, tuple[float, float]] = {
    "district": (60_000, 200_000),
    "london_borough": (150_000, 330_000),
    "metropolitan_district": (150_000, 1_100_000),
    "unitary": (100_000, 550_000),
}

COMPLAINTS_PER_10K = 0.6  # complaints a year per 10,000 residents
UPHELD_SHARE = 1 / 3
# Normal councils are kept well clear of the 1.0 upheld per 10,000 mark.
_NORMAL_UPHELD_CAP_PER_THEME = 0.6
_NORMAL_UPHELD_CAP_TOTAL = 0.8
PLANTED_UPHELD_PER_10K = (2.8, 4.0)  # a complaints plant lands in this range

FLOOR_PLANTS = 8
COMPLAINT_PLANTS = 4
KNOWN_AND_MANAGED_PLANTS = 2
# Inspection findings: (kind, theme, inspectorate, finding) planted once each.
FINDING_PLANTS = (
    ("inadequate", "children_and_young_people", "ofsted", 1),
    ("outstanding", "children_and_young_people", "ofsted", 4),
    ("outstanding", "healthier_communities_and_older_people", "cqc", 4),
)
# Councils the auditor scored at the extremes: 1 (use of resources, performs poorly)
# and 4 on both counts (performs excellently). Every other council scores 2 or 3.
AUDIT_PLANTS = (
    ("poor_use_of_resources", 1, 2),
    ("poor_use_of_resources", 1, 1),
    ("excellent", 4, 4),
    ("excellent", 4, 4),
    ("excellent", 4, 4),
)
PETITIONS = 20


@dataclass(frozen=True)
class Floor:
    """A level an indicator should not cross, and the range a normal area reports in."""

    indicator: str
    normal_low: float
    normal_high: float
    floor: float
    wrong_side: str  # "below" or "above": the side of the floor that is a problem

    def crossed(self, value: float) -> bool:
        """True when ``value`` is on the wrong side of the floor."""
        return value < self.floor if self.wrong_side == "below" else value > self.floor


FLOORS: dict[str, Floor] = {
    f.indicator: f
    for f in (
        Floor("NI 75", 45, 60, 30, "below"),  # 5+ A*-C GCSE inc. English and Maths, %
        Floor("NI 73", 70, 80, 55, "below"),  # level 4+ English and Maths at KS2, %
        Floor("NI 117", 4, 8, 10, "above"),  # 16-18 year olds NEET, %
        Floor("NI 59", 70, 85, 60, "below"),  # initial assessments within 7 days, %
        Floor("NI 15", 0.4, 1.0, 1.5, "above"),  # serious violent crime per 1,000
        Floor("NI 153", 20, 27, 30, "above"),  # out-of-work benefits, worst areas, %
        Floor("NI 192", 33, 45, 25, "below"),  # household waste recycled, %
        Floor("NI 181", 12, 22, 30, "above"),  # benefit claims processing, days
        Floor("NI 135", 20, 30, 15, "below"),  # carers receiving a service, %
    )
}


@dataclass(frozen=True)
class Plant:
    """A problem planted in the sample year on purpose.

    ``kind`` is "floor", "complaints", "known_and_managed", "inadequate" or
    "outstanding" (an inspection finding of 1 or 4), "poor_use_of_resources"
    or "excellent" (audit scores of 1, or 4 on both counts); ``body`` is the
    body whose events carry it (the area itself for indicator plants).
    """

    kind: str
    body: str
    area: str
    theme: str
    indicator: str | None
    detail: str
    scores: tuple[int, int] | None = None  # audit plants: (use of resources, managing performance)


@dataclass(frozen=True)
class _Plan:
    """Everything decided before events are written, shared by generate_year and planted."""

    populations: dict[str, int]
    plants: tuple[Plant, ...]
    bad_values: dict[tuple[str, str], tuple[float, ...]]  # (area, indicator) -> Q2..Q4
    upheld_targets: dict[tuple[str, str], int]  # (council, theme) -> upheld in the year


def generate_year(year: int = SAMPLE_YEAR, seed: int = SAMPLE_SEED) -> list[dict[str, Any]]:
    """Return the sample year's events in the order an integrator would send them.

    Events are JSON-serialisable envelopes sorted by ``occurred_at`` then
    ``event_id``. The same (year, seed) always gives an identical list.
    """
    ref = load_reference()
    plan = _plan(year, seed)
    events = [
        *_registrations(ref, plan, year, seed),
        *_indicator_reports(ref, plan, year, seed),
        *_complaints(ref, plan, year, seed),
        *_petitions(ref, plan, year, seed),
        *_self_assessments(ref, plan, year, seed),
        *_findings(plan, year, seed),
        *_use_of_resources(ref, plan, year, seed),
        *(e for _, events in _stories(year, seed) for e in events),
    ]
    events.sort(key=lambda e: (e["occurred_at"], e["event_id"]))
    return events


def planted(year: int = SAMPLE_YEAR, seed: int = SAMPLE_SEED) -> list[Plant]:
    """Return the problems planted in ``generate_year(year, seed)``."""
    return list(_plan(year, seed).plants)


def write_jsonl(events: Iterable[dict[str, Any]], path: str | os.PathLike[str]) -> int:
    """Write events to ``path`` as JSON Lines (sorted keys); return how many were written."""
    count = 0
    with open(path, "w", encoding="utf-8") as out:
        for event in events:
            out.write(json.dumps(event, sort_keys=True, ensure_ascii=False))
            out.write("\n")
            count += 1
    return count


# --- planning -------------------------------------------------------------------------


def _rng(year: int, seed: int, purpose: str) -> random.Random:
    # One stream per purpose, so adding events of one kind never shifts another kind.
    return random.Random(f"riskgate-sample:{year}:{seed}:{purpose}")


def sample_event_id(year: int, seed: int, name: str) -> str:
    """The event_id of a sample event: ``uuid5(SAMPLE_NAMESPACE, f"{year}:{seed}:{name}")``."""
    return str(uuid.uuid5(SAMPLE_NAMESPACE, f"{year}:{seed}:{name}"))


_NAMESPACE_SHA1 = hashlib.sha1(SAMPLE_NAMESPACE.bytes)


def _event_id(year: int, seed: int, name: str) -> str:
    # Same value as sample_event_id (a test pins it), several times faster than uuid.uuid5.
    digest = _NAMESPACE_SHA1.copy()
    digest.update(f"{year}:{seed}:{name}".encode())
    raw = bytearray(digest.digest()[:16])
    raw[6] = (raw[6] & 0x0F) | 0x50  # version 5
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _at(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


@functools.lru_cache(maxsize=8)
def _plan(year: int, seed: int) -> _Plan:
    ref = load_reference()
    populations = _populations(ref, _rng(year, seed, "populations"))
    rng = _rng(year, seed, "plants")
    chooser = _SpreadChooser(ref, rng)

    plants: list[Plant] = []
    bad_values: dict[tuple[str, str], tuple[float, ...]] = {}
    floor_order = list(FLOORS)
    rng.shuffle(floor_order)
    indicator_plant_kinds = ["floor"] * FLOOR_PLANTS + ["known_and_managed"] * (
        KNOWN_AND_MANAGED_PLANTS
    )
    for i, kind in enumerate(indicator_plant_kinds):
        floor = FLOORS[floor_order[i % len(floor_order)]]
        area = chooser.area()
        values = _wrong_side_values(floor, rng)
        bad_values[(area.code, floor.indicator)] = values
        plants.append(_indicator_plant(kind, area.code, floor, ref, values, year))

    upheld_targets: dict[tuple[str, str], int] = {}
    theme_order = list(AREA_THEMES)
    rng.shuffle(theme_order)
    for i in range(COMPLAINT_PLANTS):
        council = chooser.council("district" if i % 2 == 0 else "unitary")
        theme = next(
            t
            for t in theme_order
            if t not in {p.theme for p in plants if p.kind == "complaints"}
            and (council.kind != "district" or t != "children_and_young_people")
        )
        population = populations[council.code]
        rate = rng.uniform(*PLANTED_UPHELD_PER_10K)
        target = math.ceil(rate * population / 10_000)
        upheld_targets[(council.code, theme)] = target
        plants.append(_complaints_plant(council, theme, target, population, year))
    for kind, theme, inspectorate, finding in FINDING_PLANTS:
        area = chooser.area()
        plants.append(
            Plant(
                kind=kind,
                body=area.code,
                area=area.code,
                theme=theme,
                indicator=None,
                detail=f"{inspectorate} finding {finding} ({kind}) on {THEME_TITLES[theme].lower()} "
                f"at {area.name} in {year}",
            )
        )
    for kind, resources, performance in AUDIT_PLANTS:
        area = chooser.area()
        plants.append(
            Plant(
                kind=kind,
                body=area.code,
                area=area.code,
                theme="use_of_resources",
                indicator=None,
                detail=f"use of resources scored {resources}, managing performance "
                f"{performance}, at {area.name} in {year}",
                scores=(resources, performance),
            )
        )
    return _Plan(populations, tuple(plants), bad_values, upheld_targets)


def _complaints_plant(
    council: Council, theme: str, target: int, population: int, year: int
) -> Plant:
    return Plant(
        kind="complaints",
        body=council.code,
        area=council.upper_tier_code,
        theme=theme,
        indicator=None,
        detail=(
            f"{target} upheld complaints about {THEME_TITLES[theme].lower()} "
            f"at {council.name} in {year}: {target * 10_000 / population:.2f} "
            f"per 10,000 residents (population {population:,})"
        ),
    )


class _SpreadChooser:
    """Picks distinct areas and councils, cycling through regions and kinds."""

    def __init__(self, ref: Reference, rng: random.Random) -> None:
        self._ref = ref
        self._rng = rng
        self._regions = sorted({a.region for a in ref.areas.values()})
        rng.shuffle(self._regions)
        self._kinds = list(AREA_KINDS)
        rng.shuffle(self._kinds)
        self._turn = 0
        self._used_areas: set[str] = set()

    def _next_turn(self) -> tuple[str, str]:
        turn = self._turn
        self._turn += 1
        return self._regions[turn % len(self._regions)], self._kinds[turn % len(self._kinds)]

    def _eligible(self, council: Council) -> bool:
        return (
            council.code not in _FIXED_POPULATIONS
            and council.upper_tier_code not in self._used_areas
        )

    def _take(self, candidates: list[Council]) -> Council:
        choice = self._rng.choice(sorted(candidates, key=lambda c: c.code))
        self._used_areas.add(choice.upper_tier_code)
        return choice

    def area(self) -> Council:
        """An unused area's lead council, in the next region, of the next kind if it has one."""
        region, kind = self._next_turn()
        leads = [
            c
            for c in self._ref.councils.values()
            if c.kind in AREA_KINDS and c.region == region and self._eligible(c)
        ]
        return self._take([c for c in leads if c.kind == kind] or leads)

    def council(self, kind: str) -> Council:
        """An unused area's council of ``kind`` (unitary: any all-purpose council if none)."""
        region, _ = self._next_turn()
        in_region = [
            c for c in self._ref.councils.values() if c.region == region and self._eligible(c)
        ]
        all_purpose = [c for c in in_region if c.kind in AREA_KINDS and c.kind != "county"]
        candidates = [c for c in in_region if c.kind == kind] or all_purpose
        return self._take(candidates)


def _populations(ref: Reference, rng: random.Random) -> dict[str, int]:
    populations: dict[str, int] = {}
    for council in sorted(ref.councils.values(), key=lambda c: c.code):
        if council.code in _FIXED_POPULATIONS:
            populations[council.code] = _FIXED_POPULATIONS[council.code]
        elif council.kind in _POPULATION_RANGES:
            low, high = _POPULATION_RANGES[council.kind]
            populations[council.code] = int(round(_log_uniform(rng, low, high), -2))
    for area in ref.areas.values():
        if area.kind == "county":
            populations[area.code] = sum(populations[m] for m in area.members[1:])
    return populations


def _log_uniform(rng: random.Random, low: float, high: float) -> float:
    return math.exp(rng.uniform(math.log(low), math.log(high)))


def _wrong_side_values(floor: Floor, rng: random.Random) -> tuple[float, ...]:
    # Q2..Q4 between 6% and 22% past the floor, so rounding never brings them back.
    sign = -1 if floor.wrong_side == "below" else 1
    return tuple(round(floor.floor * (1 + sign * rng.uniform(0.06, 0.22)), 2) for _ in range(3))


def _indicator_plant(
    kind: str, area: str, floor: Floor, ref: Reference, values: tuple[float, ...], year: int
) -> Plant:
    indicator = ref.indicators[floor.indicator]
    detail = (
        f"{indicator.id} ({indicator.title}) {floor.wrong_side} its floor of {floor.floor:g} "
        f"in {year}-Q2, Q3 and Q4: {', '.join(f'{v:g}' for v in values)}"
    )
    if kind == "known_and_managed":
        detail += f"; reported in the {year} self-assessment with an action plan on track"
    return Plant(kind, area, area, indicator.theme, indicator.id, detail)


# --- events ---------------------------------------------------------------------------


def _registrations(ref: Reference, plan: _Plan, year: int, seed: int) -> list[dict[str, Any]]:
    at = _at(datetime(year, 1, 5, 9, tzinfo=UTC))
    return [
        envelope(
            event_id=_event_id(year, seed, f"body.registered/{c.code}"),
            type="body.registered",
            occurred_at=at,
            source=DATA_HUB,
            body=c.code,
            payload={
                "name": c.name,
                "kind": c.kind,
                "area": c.upper_tier_code,
                "population": plan.populations[c.code],
                "population_source": "synthetic",
            },
        )
        for c in sorted(ref.councils.values(), key=lambda c: c.code)
    ]


def _quarter_report_times(year: int) -> list[str]:
    quarter_ends = [date(year, 3, 31), date(year, 6, 30), date(year, 9, 30), date(year, 12, 31)]
    return [
        _at(datetime.combine(end + timedelta(days=30), datetime.min.time(), UTC).replace(hour=9))
        for end in quarter_ends
    ]


def _baseline(indicator_id: str) -> float:
    # Stable across processes and seeds (crc32, not the salted built-in hash).
    return 20 + (zlib.crc32(indicator_id.encode()) % 6001) / 100


def _normal_values(indicator_id: str, rng: random.Random) -> list[float]:
    floor = FLOORS.get(indicator_id)
    if floor is None:
        level = _baseline(indicator_id) + rng.uniform(-8, 8)
        return [round(level + rng.uniform(-1.5, 1.5), 2) for _ in range(4)]
    spread = floor.normal_high - floor.normal_low
    level = rng.uniform(floor.normal_low + 0.1 * spread, floor.normal_high - 0.1 * spread)
    return [
        round(
            min(floor.normal_high, max(floor.normal_low, level + rng.uniform(-0.1, 0.1) * spread)),
            2,
        )
        for _ in range(4)
    ]


def _indicator_reports(ref: Reference, plan: _Plan, year: int, seed: int) -> list[dict[str, Any]]:
    rng = _rng(year, seed, "indicators")
    times = _quarter_report_times(year)
    periods = [f"{year}-Q{q}" for q in range(1, 5)]
    events: list[dict[str, Any]] = []
    for area in sorted(ref.areas):
        for indicator_id in ref.indicators:
            values = _normal_values(indicator_id, rng)
            bad = plan.bad_values.get((area, indicator_id))
            if bad is not None:
                values[1:] = bad
            for period, at, value in zip(periods, times, values, strict=True):
                events.append(
                    envelope(
                        event_id=_event_id(
                            year, seed, f"indicator.reported/{area}/{indicator_id}/{period}"
                        ),
                        type="indicator.reported",
                        occurred_at=at,
                        source=DATA_HUB,
                        body=area,
                        payload={"indicator": indicator_id, "period": period, "value": value},
                    )
                )
    return events


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


def _complaints(ref: Reference, plan: _Plan, year: int, seed: int) -> list[dict[str, Any]]:
    rng = _rng(year, seed, "complaints")
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
                    event_id=_event_id(year, seed, f"complaint.received/{ref_no}"),
                    type="complaint.received",
                    occurred_at=_at(moment),
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


def _petitions(ref: Reference, plan: _Plan, year: int, seed: int) -> list[dict[str, Any]]:
    rng = _rng(year, seed, "petitions")
    councils = sorted(ref.councils.values(), key=lambda c: c.code)
    events: list[dict[str, Any]] = []
    for council in sorted(rng.sample(councils, PETITIONS), key=lambda c: c.code):
        theme = rng.choices(AREA_THEMES, weights=_THEME_WEIGHTS[_tier(council)])[0]
        petition_ref = f"PET-{council.code}-{year}-1"
        events.append(
            envelope(
                event_id=_event_id(year, seed, f"petition.submitted/{petition_ref}"),
                type="petition.submitted",
                occurred_at=_at(_moment_in_year(rng, year)),
                source=f"council:{council.code}",
                body=council.code,
                payload={
                    "petition_ref": petition_ref,
                    "topic": rng.choice(_PETITION_TOPICS[theme]),
                    "theme": theme,
                    "signatures": int(_log_uniform(rng, 150, 6_000)),
                    "neighbourhood": rng.choice(_NEIGHBOURHOODS),
                },
            )
        )
    return events


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


def _self_assessments(ref: Reference, plan: _Plan, year: int, seed: int) -> list[dict[str, Any]]:
    rng = _rng(year, seed, "self_assessments")
    at = _at(datetime(year, 9, 15, 9, tzinfo=UTC))
    managed = {(p.area, p.theme): p for p in plan.plants if p.kind == "known_and_managed"}
    by_theme: dict[str, list[str]] = {t: [] for t in AREA_THEMES}
    for indicator in ref.indicators.values():
        if indicator.id not in FLOORS and indicator.polarity is not None:
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
                    event_id=_event_id(year, seed, f"self_assessment.submitted/{area}/{theme}"),
                    type="self_assessment.submitted",
                    occurred_at=at,
                    source=f"council:{area}",
                    body=area,
                    payload={"year": year, "theme": theme, "concerns": concerns},
                )
            )
    return events


def _findings(plan: _Plan, year: int, seed: int) -> list[dict[str, Any]]:
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
                event_id=_event_id(year, seed, name),
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


def _use_of_resources(ref: Reference, plan: _Plan, year: int, seed: int) -> list[dict[str, Any]]:
    """The Audit Commission's use of resources and managing performance scores, in November."""
    rng = _rng(year, seed, "use_of_resources")
    scores, weights = zip(*_SCORE_WEIGHTS, strict=True)
    planted_scores = {p.body: p.scores for p in plan.plants if p.scores is not None}
    events = []
    for code in sorted(ref.councils):
        resources, performance = rng.choices(scores, weights, k=2)
        resources, performance = planted_scores.get(code, (resources, performance))
        events.append(
            envelope(
                event_id=_event_id(year, seed, f"use_of_resources:{code}"),
                type="use_of_resources.scored",
                occurred_at=_at(datetime(year, 11, 2, 10, tzinfo=UTC)),
                source="audit-commission",
                body=code,
                payload={"year": year, "score": resources, "managing_performance": performance},
            )
        )
    return events


def _concern(indicator_id: str, action_plan: str) -> dict[str, Any]:
    return {"subject": indicator_id, "action_plan": action_plan, "status": "on_track"}


# --- citizens' stories --------------------------------------------------------------------


@dataclass(frozen=True)
class Story:
    """A petition or Community Call for Action planted in the sample year, and how it ends."""

    name: str
    council: str
    case_ref: str | None
    expect: str  # the status the case (or petition) should reach


_CONTRACT_DEFAULTS: dict[str, dict[str, Any]] = {
    "ccfa.raised": {"matter": "other", "suspected": None},
    "ccfa.referred": {"committee_finding": None},
}


def stories(year: int = SAMPLE_YEAR, seed: int = SAMPLE_SEED) -> list[Story]:
    """The citizens' stories planted in ``generate_year(year, seed)``."""
    return [s for s, _ in _stories(year, seed)]


def _stories(year: int, seed: int) -> list[tuple[Story, list[dict[str, Any]]]]:
    plan = _plan(year, seed)
    # The escalation: residents petition a council whose complaints surge, the councillor
    # takes it up, the local stages fail, and two partners lodge formal complaints.
    surge = next(p for p in plan.plants if p.kind == "complaints" and p.body != p.area)
    out: list[tuple[Story, list[dict[str, Any]]]] = []

    def event(
        name: str, type_: str, day: str, council: str, payload: dict[str, Any]
    ) -> dict[str, Any]:
        # Spelled out as the contract loads them, so the sample is what an integrator sends.
        defaults: dict[str, Any] = _CONTRACT_DEFAULTS.get(type_, {})
        payload = {**defaults, **payload}
        return envelope(
            event_id=_event_id(year, seed, f"story/{name}/{type_}/{day}"),
            type=type_,
            occurred_at=f"{year}-{day}T10:00:00+00:00",
            source=f"council:{council}",
            body=council,
            payload=payload,
        )

    def case(
        ref: str, councillor: str, issue: str, theme: str, bodies: list[str], **extra: Any
    ) -> dict[str, Any]:
        return {"case_ref": ref, "councillor_ref": councillor, "ward": "Central ward",
                "issue": issue, "theme": theme, "bodies": bodies, **extra}  # fmt: skip

    c, theme = surge.body, surge.theme
    ref = f"CCFA-{year}-{c}-1"
    petition = f"PET-{c}-{year}-STORY"
    partners = ("E16000110", "E23000017")
    out.append(
        (
            Story("petition to call for action to inspection", c, ref, "escalated"),
            [
                event(
                    "s1",
                    "petition.submitted",
                    "02-10",
                    c,
                    {
                        "petition_ref": petition,
                        "topic": "Put right the failures residents report",
                        "theme": theme,
                        "signatures": 2400,
                        "neighbourhood": "Town centre",
                    },
                ),
                event(
                    "s1",
                    "petition.responded",
                    "03-20",
                    c,
                    {
                        "petition_ref": petition,
                        "responded_on": f"{year}-03-20",
                        "outcome": "Debated; the council's review found nothing to change.",
                        "debate_on": f"{year}-03-18",
                    },
                ),
                event(
                    "s1",
                    "ccfa.raised",
                    "04-06",
                    c,
                    case(
                        ref,
                        "CLLR-STORY-1",
                        "Residents' complaints go unanswered",
                        theme,
                        [c, surge.area],
                        petition_ref=petition,
                        informal_resolution_tried=True,
                    ),
                ),
                event(
                    "s1",
                    "ccfa.referred",
                    "04-20",
                    c,
                    {
                        "case_ref": ref,
                        "committee": "overview_and_scrutiny",
                        "referred_on": f"{year}-04-20",
                    },
                ),
                event(
                    "s1",
                    "ccfa.recommended",
                    "06-01",
                    c,
                    {
                        "case_ref": ref,
                        "recommended_on": f"{year}-06-01",
                        "recommendations": [
                            "Answer every complaint within 10 working days",
                            "Review the service with the county council",
                        ],
                    },
                ),
                event(
                    "s1",
                    "ccfa.responded",
                    "06-19",
                    c,
                    {
                        "case_ref": ref,
                        "responding_body": c,
                        "responded_on": f"{year}-06-19",
                        "resolved": False,
                    },
                ),
                # The county never responds: overdue after 20 working days.
                event(
                    "s1",
                    "complaint.received",
                    "05-12",
                    c,
                    {
                        "complaint_ref": f"FORMAL-{c}-1",
                        "channel": "partner",
                        "partner": partners[0],
                        "theme": theme,
                        "category": "joint working",
                        "upheld": None,
                        "formal": True,
                    },
                ),
                event(
                    "s1",
                    "ccfa.published",
                    "07-28",
                    c,
                    {"case_ref": ref, "published_on": f"{year}-07-28", "resolved": False},
                ),
                event(
                    "s1b",
                    "complaint.received",
                    "08-03",
                    c,
                    {
                        "complaint_ref": f"FORMAL-{c}-2",
                        "channel": "partner",
                        "partner": partners[1],
                        "theme": theme,
                        "category": "joint working",
                        "upheld": None,
                        "formal": True,
                    },
                ),
            ],
        )
    )
    bristol, leeds, york, cornwall, norwich = (
        "E06000023", "E08000035", "E06000014", "E06000052", "E07000148",
    )  # fmt: skip
    out.append(
        (
            Story(
                "planning matter declined: it has its own appeal route",
                bristol,
                f"CCFA-{year}-{bristol}-1",
                "refused",
            ),
            [
                event(
                    "s2",
                    "ccfa.raised",
                    "03-02",
                    bristol,
                    case(
                        f"CCFA-{year}-{bristol}-1",
                        "CLLR-STORY-2",
                        "Planning permission for the depot",
                        "economic_development_and_environment",
                        [bristol],
                        matter="planning",
                    ),
                ),
                event(
                    "s2",
                    "ccfa.referred",
                    "03-16",
                    bristol,
                    {
                        "case_ref": f"CCFA-{year}-{bristol}-1",
                        "committee": "overview_and_scrutiny",
                        "referred_on": f"{year}-03-16",
                    },
                ),
            ],
        )
    )
    out.append(
        (
            Story(
                "the same issue again within the year is refused",
                leeds,
                f"CCFA-{year}-{leeds}-2",
                "refused",
            ),
            [
                event(
                    "s3",
                    "ccfa.raised",
                    "02-02",
                    leeds,
                    case(
                        f"CCFA-{year}-{leeds}-1",
                        "CLLR-STORY-3",
                        "Street lighting on the estate",
                        "safer_and_stronger_communities",
                        [leeds],
                    ),
                ),
                event(
                    "s3",
                    "ccfa.referred",
                    "02-16",
                    leeds,
                    {
                        "case_ref": f"CCFA-{year}-{leeds}-1",
                        "committee": "overview_and_scrutiny",
                        "referred_on": f"{year}-02-16",
                    },
                ),
                event(
                    "s3b",
                    "ccfa.raised",
                    "07-01",
                    leeds,
                    case(
                        f"CCFA-{year}-{leeds}-2",
                        "CLLR-STORY-3",
                        "Street lighting  on the estate",
                        "safer_and_stronger_communities",
                        [leeds],
                    ),
                ),
                event(
                    "s3b",
                    "ccfa.referred",
                    "07-13",
                    leeds,
                    {
                        "case_ref": f"CCFA-{year}-{leeds}-2",
                        "committee": "overview_and_scrutiny",
                        "referred_on": f"{year}-07-13",
                    },
                ),
            ],
        )
    )
    out.append(
        (
            Story(
                "suspected fraud goes to the gatekeeper at once",
                york,
                f"CCFA-{year}-{york}-1",
                "escalated",
            ),
            [
                event(
                    "s4",
                    "ccfa.raised",
                    "09-14",
                    york,
                    case(
                        f"CCFA-{year}-{york}-1",
                        "CLLR-STORY-4",
                        "Grants paid to a contractor's own firm",
                        "use_of_resources",
                        [york],
                        suspected="fraud",
                    ),
                ),
            ],
        )
    )
    out.append(
        (
            Story(
                "anti-social behaviour is routed to the crime and disorder committee",
                norwich,
                f"CCFA-{year}-{norwich}-1",
                "open",
            ),
            [
                event(
                    "s5",
                    "ccfa.raised",
                    "05-05",
                    norwich,
                    case(
                        f"CCFA-{year}-{norwich}-1",
                        "CLLR-STORY-5",
                        "Nuisance in the market square",
                        "safer_and_stronger_communities",
                        [norwich],
                        matter="anti_social_behaviour",
                    ),
                ),
                event(
                    "s5",
                    "ccfa.referred",
                    "05-19",
                    norwich,
                    {
                        "case_ref": f"CCFA-{year}-{norwich}-1",
                        "committee": "overview_and_scrutiny",
                        "referred_on": f"{year}-05-19",
                    },
                ),
            ],
        )
    )
    out.append(
        (
            Story(
                "resolved locally: the bodies put it right",
                leeds,
                f"CCFA-{year}-{leeds}-3",
                "resolved",
            ),
            [
                event(
                    "s6",
                    "ccfa.raised",
                    "03-09",
                    leeds,
                    case(
                        f"CCFA-{year}-{leeds}-3",
                        "CLLR-STORY-6",
                        "Bus stop access for wheelchair users",
                        "economic_development_and_environment",
                        [leeds],
                    ),
                ),
                event(
                    "s6",
                    "ccfa.referred",
                    "03-23",
                    leeds,
                    {
                        "case_ref": f"CCFA-{year}-{leeds}-3",
                        "committee": "overview_and_scrutiny",
                        "referred_on": f"{year}-03-23",
                    },
                ),
                event(
                    "s6",
                    "ccfa.recommended",
                    "04-27",
                    leeds,
                    {
                        "case_ref": f"CCFA-{year}-{leeds}-3",
                        "recommended_on": f"{year}-04-27",
                        "recommendations": ["Lower the kerbs at the six stops on route 12"],
                    },
                ),
                event(
                    "s6",
                    "ccfa.responded",
                    "05-14",
                    leeds,
                    {
                        "case_ref": f"CCFA-{year}-{leeds}-3",
                        "responding_body": leeds,
                        "responded_on": f"{year}-05-14",
                        "resolved": True,
                    },
                ),
                event(
                    "s6",
                    "ccfa.published",
                    "06-01",
                    leeds,
                    {
                        "case_ref": f"CCFA-{year}-{leeds}-3",
                        "published_on": f"{year}-06-01",
                        "resolved": True,
                    },
                ),
            ],
        )
    )
    out.append(
        (
            Story(
                "three neighbourhood forums on one issue open an area-wide case",
                cornwall,
                None,
                "open",
            ),
            [
                event(
                    f"s7-{forum}",
                    "forum.decided",
                    day,
                    cornwall,
                    {
                        "forum_ref": forum,
                        "issue_ref": "ISSUE-RURAL-BUSES",
                        "theme": "economic_development_and_environment",
                        "decided_on": f"{year}-{day}",
                        "neighbourhood": forum.title(),
                    },
                )
                for forum, day in (("bodmin", "03-04"), ("truro", "04-01"), ("launceston", "05-06"))
            ],
        )
    )
    return out


# --- proposals to the gatekeeper ----------------------------------------------------------

# Requests Government Offices, departments and inspectorates' own programmes put to the
# gatekeeper in the autumn, after the risk rules' requests: each meets a different policy.
_PROPOSALS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("11-20", "E10000008", {
        "inspectorate": "cqc", "theme": "healthier_communities_and_older_people",
        "origin": "department", "subject": "care_home",
        "reason": "Department of Health: concerns about two residential care homes",
        "window_start": "2010-01-11", "window_end": "2010-03-31", "on_site_days": 3}),
    ("11-23", "E08000001", {
        "inspectorate": "hmi_probation", "theme": "safer_and_stronger_communities",
        "origin": "inspectorate_programme",
        "reason": "Thematic inspection of offender management in the region",
        "window_start": "2010-01-11", "window_end": "2010-04-30", "on_site_days": 4}),
    ("11-24", "E10000006", {
        "inspectorate": "ofsted", "theme": "children_and_young_people",
        "origin": "inspectorate_programme", "programme_ground": "system_change",
        "justification": "Rolling programme of children's services reviews",
        "reason": "Routine review of children's services",
        "window_start": "2010-01-11", "window_end": "2010-06-30", "on_site_days": 5}),
    ("11-25", "E08000028", {
        "inspectorate": "hmic", "theme": "safer_and_stronger_communities",
        "origin": "government_office",
        "reason": "GO West Midlands: youth crime rising with NEET numbers",
        "window_start": "2009-12-07", "window_end": "2010-03-12", "on_site_days": 4}),
    ("11-26", "E09000023", {
        "inspectorate": "audit_commission", "theme": "economic_development_and_environment",
        "origin": "department",
        "reason": "Communities and Local Government: regeneration spending under review",
        "window_start": "2009-12-14", "window_end": "2010-01-15", "on_site_days": 3}),
    ("11-27", "E09000023", {
        "inspectorate": "cqc", "theme": "healthier_communities_and_older_people",
        "origin": "government_office", "concern": "safeguarding", "urgency": "urgent",
        "reason": "GO London: allegations of neglect in the council's home care service",
        "window_start": "2009-12-07", "window_end": "2009-12-24", "on_site_days": 2}),
)  # fmt: skip


def proposals(year: int = SAMPLE_YEAR, seed: int = SAMPLE_SEED) -> list[dict[str, Any]]:
    """`inspection.requested` messages as `POST /v1/inspection-requests` would make them."""
    ref = load_reference()
    out = []
    for day, body, fields in _PROPOSALS:
        request_id = _event_id(year, seed, f"proposal/{body}/{day}")
        origin = fields["origin"]
        source = f"api:{'inspectorate:' + fields['inspectorate'] if origin == 'inspectorate_programme' else 'integrator'}"
        out.append(
            envelope(
                event_id=request_id,
                type="inspection.requested",
                occurred_at=f"{year}-{day}T09:30:00+00:00",
                source=source,
                body=body,
                payload={**fields, "request_id": request_id, "area": ref.area_of(body)},
            )
        )
    return out
