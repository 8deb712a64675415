"""The sample year's plan: populations, and the problems planted on purpose, decided before
any event is written and shared by every part that writes events."""

from __future__ import annotations

import functools
import math
import random
from dataclasses import dataclass

from riskgate.domain.reference import AREA_KINDS, Council, Reference, load_reference
from riskgate.domain.vocabulary import AREA_THEMES, THEME_TITLES
from riskgate.sample.floors import Floor, floors
from riskgate.sample.ids import stream

CITY_OF_LONDON = "E09000001"
ISLES_OF_SCILLY = "E06000053"
FIXED_POPULATIONS = {CITY_OF_LONDON: 8_000, ISLES_OF_SCILLY: 2_000}
# Drawn log-uniformly (most councils are small, a few are large); counties sum their districts.
_POPULATION_RANGES: dict[str, tuple[float, float]] = {
    "district": (60_000, 200_000),
    "london_borough": (150_000, 330_000),
    "metropolitan_district": (150_000, 1_100_000),
    "unitary": (100_000, 550_000),
}

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
# Local Area Agreement targets (sample/laa.py): one far steeper than the area's values
# (behind, and reported on track), one far below them (well ahead).
LAA_PLANTS = (
    ("laa_behind", "economic_development_and_environment"),
    ("laa_ahead", "safer_and_stronger_communities"),
)


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
class Plan:
    """Everything decided before events are written, shared by every writer and `planted`."""

    populations: dict[str, int]
    plants: tuple[Plant, ...]
    bad_values: dict[tuple[str, str], tuple[float, ...]]  # (area, indicator) -> Q2..Q4
    upheld_targets: dict[tuple[str, str], int]  # (council, theme) -> upheld in the year


@functools.lru_cache(maxsize=8)
def plan_year(year: int, seed: int) -> Plan:
    ref = load_reference()
    populations = _populations(ref, stream(year, seed, "populations"))
    rng = stream(year, seed, "plants")
    chooser = _SpreadChooser(ref, rng)

    plants: list[Plant] = []
    bad_values: dict[tuple[str, str], tuple[float, ...]] = {}
    by_indicator = floors()
    floor_order = list(by_indicator)
    rng.shuffle(floor_order)
    indicator_plant_kinds = ["floor"] * FLOOR_PLANTS + ["known_and_managed"] * (
        KNOWN_AND_MANAGED_PLANTS
    )
    managed_seen = 0
    for i, kind in enumerate(indicator_plant_kinds):
        floor = by_indicator[floor_order[i % len(floor_order)]]
        area = chooser.area()
        values = _wrong_side_values(floor, rng)
        if kind == "known_and_managed":
            managed_seen += 1
            if managed_seen == 1:  # a plan that works: better every quarter, still past the floor
                values = _improving(values, floor)
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
    for kind, theme in LAA_PLANTS:
        area = chooser.area()
        how = (
            "set far steeper than the area's values: it missed its 2008-09 target and is behind "
            f"from {year}-Q2, while the annual report says on track"
            if kind == "laa_behind"
            else "set far below the area's values: well ahead all year"
        )
        detail = f"a designated LAA target on {THEME_TITLES[theme].lower()} at {area.name} {how}"
        plants.append(Plant(kind, area.code, area.code, theme, None, detail))
    return Plan(populations, tuple(plants), bad_values, upheld_targets)


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
            council.code not in FIXED_POPULATIONS
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
        """An unused area's council of ``kind``, in the next region that has one (a district
        must be a district: London and the North East have none); for any other kind, an
        all-purpose council of the next region if it has none of that kind."""
        for _ in range(len(self._regions)):
            region, _kind = self._next_turn()
            in_region = [
                c for c in self._ref.councils.values() if c.region == region and self._eligible(c)
            ]
            of_kind = [c for c in in_region if c.kind == kind]
            if of_kind or kind != "district":
                all_purpose = [c for c in in_region if c.kind in AREA_KINDS and c.kind != "county"]
                return self._take(of_kind or all_purpose)
        raise ValueError(f"no unused {kind} council is left to plant a problem on")


def _populations(ref: Reference, rng: random.Random) -> dict[str, int]:
    populations: dict[str, int] = {}
    for council in sorted(ref.councils.values(), key=lambda c: c.code):
        if council.code in FIXED_POPULATIONS:
            populations[council.code] = FIXED_POPULATIONS[council.code]
        elif council.kind in _POPULATION_RANGES:
            low, high = _POPULATION_RANGES[council.kind]
            populations[council.code] = int(round(log_uniform(rng, low, high), -2))
    for area in ref.areas.values():
        if area.kind == "county":
            populations[area.code] = sum(populations[m] for m in area.members[1:])
    return populations


def log_uniform(rng: random.Random, low: float, high: float) -> float:
    return math.exp(rng.uniform(math.log(low), math.log(high)))


def _wrong_side_values(floor: Floor, rng: random.Random) -> tuple[float, ...]:
    # Q2..Q4 between 6% and 22% past the floor, so rounding never brings them back.
    sign = -1 if floor.wrong_side == "below" else 1
    return tuple(round(floor.floor * (1 + sign * rng.uniform(0.06, 0.22)), 2) for _ in range(3))


def _improving(values: tuple[float, ...], floor: Floor) -> tuple[float, ...]:
    """The same values in the order that gets better each quarter (so no quarter reported after
    the self-assessment contradicts its plan)."""
    return tuple(sorted(values, reverse=floor.wrong_side == "above"))


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
        if list(values) == sorted(values, reverse=floor.wrong_side == "above"):
            detail += ", improving each quarter"
        else:
            detail += ", but a quarter reported after the plan is worse: flagged after all"
    return Plant(kind, area, area, indicator.theme, indicator.id, detail)
