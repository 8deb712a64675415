"""Known and managed: which rule findings a self-assessed concern answers, and when later
evidence contradicts it.

A concern names what it answers: an indicator (`NI 117`), an inspection by its
`inspection_id` (covering that inspection's finding), a rule id, or the theme as a
whole (`whole_theme`); a concern naming none of them answers a finding whose
concern equals its `subject`, as before. Self-challenge is "never … sufficient on
their own to provide assurance" (White Paper), so a concern stays considered only
while later evidence does not contradict it: the indicator worse in a quarter
reported after the plan, or a poor inspection finding after it. (A later
self-assessment marking the plan off track replaces it, and the judgement says so.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from riskgate.domain.observations import is_worse

# Each reported quarter of an indicator: period -> (value, reported_at ISO timestamp or None).
Reports = Mapping[str, tuple[float, str | None]]


def answers(concern: Mapping[str, Any], contribution: Mapping[str, Any]) -> bool:
    """Whether a self-assessed concern answers what a rule found."""
    values = contribution.get("values") or {}
    about = contribution.get("concern") or contribution["subject"]
    named = False
    if concern.get("whole_theme"):
        return True
    if concern.get("rule_id"):
        named = True
        if concern["rule_id"] == contribution["rule_id"]:
            return True
    if concern.get("indicator"):
        named = True
        if concern["indicator"] in (about, values.get("indicator")):
            return True
    if concern.get("inspection_id"):
        named = True
        if concern["inspection_id"] == values.get("inspection_id"):
            return True
    return not named and concern["subject"] == about


def plan_words(concern: Mapping[str, Any]) -> str:
    """The plan and the day it was reported, as a reason names them."""
    day = str(concern.get("reported_at") or "")[:10] or "an unknown date"
    return f"the action plan \u201c{concern['action_plan']}\u201d reported on {day}"


def worse_after_plan(
    concern: Mapping[str, Any], indicator: str, polarity: str | None, reports: Reports
) -> str | None:
    """Why the indicator contradicts the plan: a quarter reported after it is worse than the
    quarter before; None if none is."""
    reported_at = concern.get("reported_at")
    if polarity is None or not reported_at:
        return None
    ordered = sorted(reports.items())
    for (_, (before, _)), (period, (value, at)) in zip(ordered, ordered[1:], strict=False):
        if at is not None and at > reported_at and is_worse(value, before, polarity):
            return (
                f"{indicator} got worse in {period} ({value} against {before} the quarter "
                f"before), reported on {at[:10]}, after {plan_words(concern)}"
            )
    return None


def finding_after_plan(
    concern: Mapping[str, Any], findings: Iterable[Mapping[str, Any]]
) -> str | None:
    """Why a poor inspection finding made after the plan contradicts it; None if none."""
    reported_at = concern.get("reported_at")
    if not reported_at:
        return None
    for f in sorted(findings, key=lambda f: f["occurred_at"]):
        if f["finding"] <= 2 and f["occurred_at"] > reported_at:
            return (
                f"a new finding of {f['finding']} from inspection {f['inspection_id']} "
                f"({f['inspectorate']}) on {f['occurred_at'][:10]} came after "
                f"{plan_words(concern)}"
            )
    return None


def unmatched(
    managed: Mapping[str, Mapping[str, Any]], contributions: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The concerns that answer nothing the rules found, so the area sees them."""
    found = list(contributions)
    return [
        {
            "subject": concern["subject"],
            "names": {
                k: concern[k] for k in ("indicator", "inspection_id", "rule_id") if concern.get(k)
            },
            "self_assessment": concern["event_id"],
            "reason": (
                f"{concern['subject']}: {plan_words(concern)} matches nothing the rules found "
                "on this theme"
            ),
        }
        for concern in managed.values()
        if not any(answers(concern, c) for c in found)
    ]
