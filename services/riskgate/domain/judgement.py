"""Judgements: combining rule contributions into a flag per area, theme and year."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from riskgate.domain.vocabulary import THEME_TITLES


def contribution_key(subject: str, rule_id: str) -> str:
    return f"{subject}|{rule_id}"


def combine(
    *,
    area: str,
    theme: str,
    year: int,
    contributions: Iterable[Mapping[str, Any]],
    ruleset_version: str,
) -> dict[str, Any]:
    """A red flag if any rule contributes red, else green if any contributes green, else none."""
    items = sorted(contributions, key=lambda c: (c["rule_id"], c["subject"], c["body"]))
    reds = [c for c in items if c["flag"] == "red"]
    greens = [c for c in items if c["flag"] == "green"]
    deciding = reds or greens
    flag = "red" if reds else "green" if greens else None
    evidence = [
        {"rule_id": c["rule_id"], "body": c["body"], "subject": c["subject"], **e}
        for c in deciding
        for e in c["evidence"]
    ]
    return {
        "area": area,
        "theme": theme,
        "year": year,
        "flag": flag,
        "rule_ids": sorted({c["rule_id"] for c in deciding}),
        "evidence": evidence,
        "considered": [],
        "ruleset_version": ruleset_version,
        "narrative": narrative(theme, flag, deciding),
    }


def narrative(theme: str, flag: str | None, deciding: list[Mapping[str, Any]]) -> str:
    """A short plain-words account of why the flag was given."""
    title = THEME_TITLES[theme]
    if flag is None:
        return f"{title}: no significant concern or exceptional performance found."
    lines = [f"{title}: {'red' if flag == 'red' else 'green'} flag."]
    for c in deciding:
        lines.append(
            f"{c['title']} ({c['rule_id']}): {c['subject']} at {c['body']} — {_figures(c)}."
        )
    return " ".join(lines)


def _figures(c: Mapping[str, Any]) -> str:
    values = c.get("values", {})
    if "quarters_worse_than_floor" in values:
        quarters = ", ".join(f"{e['period']} {e['value']}" for e in c["evidence"])
        return f"{values['quarters_worse_than_floor']} quarters worse than the floor of {values['floor']} ({quarters})"
    if "upheld_per_10k_12m" in values:
        return (
            f"{values['upheld_12m']} upheld complaints, {values['upheld_per_10k_12m']} per 10,000 "
            f"residents, {values['window_start']} to {values['window_end']}"
        )
    return ", ".join(f"{k} {v}" for k, v in sorted(values.items()))
