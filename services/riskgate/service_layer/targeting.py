"""`riskgate report targeting`: do the flags pick out the bodies that later inspection finds
poor? Three groups of councils for an assessment year: those in an area with a red flag,
those the random assurance draw picked (with no red flag, by construction), and the rest.
For each, the share of those inspected later (any finding dated after the year) that were
found poor (a finding of 1), with a 95% Wilson interval, and the odds ratio of being found
poor against the rest, with a 95% Woolf (log) interval."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from riskgate.domain.vocabulary import THEMES
from riskgate.service_layer.assurance import drawn_bodies, unflagged_councils
from riskgate.service_layer.repositories.risk_facts import RiskFacts

if TYPE_CHECKING:
    from riskgate.bootstrap import System

Z95 = 1.959964
POOR = 1
CAVEAT = (
    "Caveat: a flag is only useful if it predicts what inspection later finds. Check the "
    "interval, not the point: CQC's 2013 risk bands could not predict later ratings "
    "(BMJ Quality & Safety 2016: odds ratio 0.38, 95% CI 0.14-1.05). An interval that spans "
    "1 means these flags did not pick out the bodies later found poor."
)


@dataclass(frozen=True)
class Group:
    name: str
    councils: int
    inspected: int
    poor: int

    @property
    def share(self) -> float | None:
        return self.poor / self.inspected if self.inspected else None


def wilson(poor: int, n: int) -> tuple[float, float] | None:
    """The 95% Wilson score interval for a proportion (None for n = 0)."""
    if n == 0:
        return None
    p = poor / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / (1 + Z95**2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def odds_ratio(group: Group, rest: Group) -> tuple[float, float, float] | None:
    """The odds ratio of being found poor, group against rest, and its 95% Woolf interval;
    0.5 is added to every cell when one is empty (Haldane). None when a group has no one."""
    if not group.inspected or not rest.inspected:
        return None
    a, b = float(group.poor), float(group.inspected - group.poor)
    c, d = float(rest.poor), float(rest.inspected - rest.poor)
    if 0 in (a, b, c, d):
        a, b, c, d = a + 0.5, b + 0.5, c + 0.5, d + 0.5
    ratio = (a * d) / (b * c)
    se = math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
    return ratio, math.exp(math.log(ratio) - Z95 * se), math.exp(math.log(ratio) + Z95 * se)


def _later(facts: RiskFacts, body: str, year: int) -> list[int]:
    return [
        f["finding"]
        for theme in THEMES
        for f in facts.findings(body, theme).values()
        if int(f["occurred_at"][:4]) > year
    ]


def targeting_groups(system: System, year: int, seed: int, size: int) -> list[Group]:
    """The red-flagged, randomly drawn and remaining councils, with their later findings."""
    eligible = unflagged_councils(system, year)
    drawn = {body for body, _ in drawn_bodies(eligible, year, seed, size)}
    flagged = sorted(set(system.reference.councils) - set(eligible))
    rest = [c for c in eligible if c not in drawn]
    facts = RiskFacts(system.store)
    groups = []
    for name, members in (
        ("red-flagged", flagged),
        ("randomly drawn", sorted(drawn)),
        ("the rest", rest),
    ):
        inspected = poor = 0
        for body in members:
            later = _later(facts, body, year)
            if later:
                inspected += 1
                poor += POOR in later
        groups.append(Group(name, len(members), inspected, poor))
    return groups


def targeting_table(groups: list[Group]) -> list[str]:
    """The report's lines: per group, councils, inspected later, found poor, share with its
    interval, and the odds ratio against the rest."""
    rest = groups[-1]
    lines = [
        f"{'group':<16}{'councils':>9}{'inspected':>10}{'poor':>6}  {'share poor (95% CI)':<24}odds ratio vs rest (95% CI)"
    ]
    for g in groups:
        interval = wilson(g.poor, g.inspected)
        share = (
            f"{g.share:.1%} ({interval[0]:.1%}-{interval[1]:.1%})"
            if interval and g.share is not None
            else "-"
        )
        ratio = odds_ratio(g, rest) if g is not rest else None
        odds = f"{ratio[0]:.2f} ({ratio[1]:.2f}-{ratio[2]:.2f})" if ratio else "-"
        lines.append(f"{g.name:<16}{g.councils:>9}{g.inspected:>10}{g.poor:>6}  {share:<24}{odds}")
    return lines
