"""The reference lists bundled with riskgate: indicators, councils and areas.

Read once from the package's ``data/`` folder (see ``data/SOURCES.md`` for
where each list came from) and kept as plain frozen values.
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from importlib import resources

from riskgate.domain.vocabulary import BODY_KINDS, NIS_THEME_TO_AREA_THEME

POLARITIES: tuple[str, ...] = ("higher_is_better", "lower_is_better")
# Councils that lead a Local Area Agreement area; districts belong to their county's area.
AREA_KINDS: tuple[str, ...] = ("county", "metropolitan_district", "london_borough", "unitary")

_DATA_PACKAGE = "riskgate"
_INDICATORS_FILE = "national_indicators.csv"
_COUNCILS_FILE = "local_authorities.csv"


@dataclass(frozen=True)
class Indicator:
    """One National Indicator Set indicator.

    ``theme`` is the LAA block (one of ``AREA_THEMES``); ``nis_theme`` is the
    NIS theme as listed. ``polarity`` is None where the indicator is
    contextual; ``frequency`` is None where no source gave it.
    """

    id: str
    title: str
    nis_theme: str
    theme: str
    polarity: str | None
    frequency: str | None


@dataclass(frozen=True)
class Council:
    """An English council of 2009-10; ``upper_tier_code`` is the county for a district."""

    code: str
    name: str
    kind: str
    upper_tier_code: str
    region: str


@dataclass(frozen=True)
class Area:
    """A Local Area Agreement area: an upper-tier or unitary council's territory.

    ``members`` holds the lead council's own code first, then (for a county)
    its districts in code order.
    """

    code: str
    name: str
    kind: str
    region: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class Reference:
    """All reference lists, keyed by code."""

    indicators: dict[str, Indicator]
    councils: dict[str, Council]
    areas: dict[str, Area]

    def area_of(self, body_code: str) -> str | None:
        """Return the area code a council belongs to (a district's county), or None if unknown."""
        council = self.councils.get(body_code)
        return council.upper_tier_code if council is not None else None


def _read_csv(filename: str) -> list[dict[str, str]]:
    text = resources.files(_DATA_PACKAGE).joinpath("data", filename).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _indicator_sort_key(indicator_id: str) -> int:
    return int(indicator_id.removeprefix("NI ").strip())


def parse_indicators(rows: list[dict[str, str]]) -> dict[str, Indicator]:
    """Build indicators from ``national_indicators.csv`` rows, in NI number order.

    Raises ValueError naming the row and field when a theme or polarity is unknown.
    """
    indicators: dict[str, Indicator] = {}
    for row in sorted(rows, key=lambda r: _indicator_sort_key(r["id"])):
        nis_theme = row["theme"].strip()
        if nis_theme not in NIS_THEME_TO_AREA_THEME:
            raise ValueError(f"{row['id']}: theme {nis_theme!r} is not a NIS theme")
        polarity = row["polarity"].strip() or None
        if polarity is not None and polarity not in POLARITIES:
            raise ValueError(f"{row['id']}: polarity {polarity!r} is not one of {POLARITIES}")
        indicators[row["id"]] = Indicator(
            id=row["id"],
            title=row["title"].strip(),
            nis_theme=nis_theme,
            theme=NIS_THEME_TO_AREA_THEME[nis_theme],
            polarity=polarity,
            frequency=row["frequency"].strip() or None,
        )
    return indicators


def parse_councils(rows: list[dict[str, str]]) -> dict[str, Council]:
    """Build councils from ``local_authorities.csv`` rows, keyed by code.

    Raises ValueError naming the row and field when a kind or upper tier is wrong.
    """
    councils: dict[str, Council] = {}
    for row in rows:
        kind = row["kind"].strip()
        if kind not in BODY_KINDS:
            raise ValueError(f"{row['code']}: kind {kind!r} is not a body kind")
        councils[row["code"]] = Council(
            code=row["code"],
            name=row["name"],
            kind=kind,
            upper_tier_code=row["upper_tier_code"],
            region=row["region"],
        )
    for council in councils.values():
        upper = councils.get(council.upper_tier_code)
        if upper is None or upper.kind not in AREA_KINDS:
            raise ValueError(
                f"{council.code}: upper_tier_code {council.upper_tier_code!r} "
                "is not an upper-tier or unitary council"
            )
        if council.kind in AREA_KINDS and council.upper_tier_code != council.code:
            raise ValueError(f"{council.code}: a {council.kind} must be its own upper tier")
    return councils


def build_areas(councils: dict[str, Council]) -> dict[str, Area]:
    """Group councils into LAA areas, keyed by the lead council's code."""
    districts: dict[str, list[str]] = {}
    for council in councils.values():
        if council.kind not in AREA_KINDS:
            districts.setdefault(council.upper_tier_code, []).append(council.code)
    return {
        lead.code: Area(
            code=lead.code,
            name=lead.name,
            kind=lead.kind,
            region=lead.region,
            members=(lead.code, *sorted(districts.get(lead.code, []))),
        )
        for lead in sorted(councils.values(), key=lambda c: c.code)
        if lead.kind in AREA_KINDS
    }


def build_reference(
    indicator_rows: list[dict[str, str]], council_rows: list[dict[str, str]]
) -> Reference:
    """Build a Reference from raw CSV rows (exposed for tests and alternative data)."""
    indicators = parse_indicators(indicator_rows)
    councils = parse_councils(council_rows)
    return Reference(indicators=indicators, councils=councils, areas=build_areas(councils))


@functools.cache
def load_reference() -> Reference:
    """Load the bundled reference lists (read once per process)."""
    return build_reference(_read_csv(_INDICATORS_FILE), _read_csv(_COUNCILS_FILE))
