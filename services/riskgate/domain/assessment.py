"""The published assessment: per area and theme a flag (or none), and per council
an organisational score. There is deliberately no composite score for an area."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from riskgate.domain.reference import Area
from riskgate.domain.vocabulary import AREA_THEMES, ORGANISATIONAL_THEMES, THEME_TITLES

SCORE_LABELS = {
    1: "performs poorly",
    2: "performs adequately",
    3: "performs well",
    4: "performs excellently",
}


def no_flag(theme: str) -> dict[str, Any]:
    """The judgement of a theme that no rule has spoken to."""
    return {
        "flag": None,
        "rule_ids": [],
        "evidence": [],
        "considered": [],
        "narrative": f"{THEME_TITLES[theme]}: no significant concern or exceptional performance found.",
        "ruleset_version": None,
    }


def organisational_score(scores: Mapping[str, Any]) -> dict[str, Any]:
    """A council's organisational assessment, 1-4, from use of resources and managing performance.

    With both scores, the lower of the two: a council does not perform well
    overall while it manages either its money or its performance poorly.
    """
    parts = [s for s in (scores.get("use_of_resources"), scores.get("managing_performance")) if s]
    score = min(parts) if parts else None
    return {
        "use_of_resources": scores.get("use_of_resources"),
        "managing_performance": scores.get("managing_performance"),
        "score": score,
        "label": SCORE_LABELS.get(score) if score else "not yet scored",
        "evidence": sorted(scores.get("evidence", [])),
    }


def area_assessment(
    area: Area,
    year: int,
    judgements: Mapping[str, Mapping[str, Any]],
    organisations: Mapping[str, Mapping[str, Any]],
    ruleset_version: str,
) -> dict[str, Any]:
    """One area's assessment for a year from its stored judgements and scores."""
    themes = {theme: dict(judgements.get(theme) or no_flag(theme)) for theme in AREA_THEMES}
    # The auditor's scores flag too (a score of 1 red, 4 green), beside the councils' scores.
    audit = {
        theme: dict(judgements.get(theme) or no_flag(theme)) for theme in ORGANISATIONAL_THEMES
    }
    for judgement in (*themes.values(), *audit.values()):
        for key in ("area", "theme", "year"):
            judgement.pop(key, None)  # said once, at the top; each keeps the version that made it
    return {
        "area": area.code,
        "name": area.name,
        "year": year,
        "ruleset_version": ruleset_version,
        "themes": themes,
        "organisational_themes": audit,
        "organisations": {
            code: organisational_score(organisations.get(code, {})) for code in area.members
        },
    }
