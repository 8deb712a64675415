"""Judgements: combining rule contributions into a flag per area, theme and year."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from riskgate.domain.observations import contribution_prefix
from riskgate.domain.self_assessment import answers, plan_words, unmatched
from riskgate.domain.vocabulary import THEME_TITLES


def answering_concern(
    contribution: Mapping[str, Any], managed: Mapping[str, Mapping[str, Any]]
) -> Mapping[str, Any] | None:
    """The self-assessed concern that answers a red contribution, whatever its plan's state."""
    if contribution["flag"] != "red":
        return None
    return next((c for c in managed.values() if answers(c, contribution)), None)


def managed_concern(
    contribution: Mapping[str, Any], managed: Mapping[str, Mapping[str, Any]]
) -> Mapping[str, Any] | None:
    """The self-assessed concern that covers a red contribution, if its action plan is on track
    and no later evidence contradicts it (`contradicted`, set by the caller, says how)."""
    concern = answering_concern(contribution, managed)
    if concern and concern["status"] == "on_track" and not _contradiction(concern, contribution):
        return concern
    return None


def _contradiction(concern: Mapping[str, Any], contribution: Mapping[str, Any]) -> str | None:
    """Why later evidence contradicts the concern for this finding (the caller's check)."""
    key = contribution_prefix(contribution["body"], contribution["subject"])
    key += contribution["rule_id"]
    return (concern.get("contradicted") or {}).get(key)


def _returned(c: Mapping[str, Any], concern: Mapping[str, Any]) -> dict[str, Any]:
    """A red finding the area self-assessed, flagged after all, and why."""
    why = _contradiction(concern, c) or (
        f"a self-assessment marks {plan_words(concern)} {concern['status'].replace('_', ' ')}"
    )
    return {
        "rule_id": c["rule_id"],
        "body": c["body"],
        "subject": c["subject"],
        "self_assessment": concern["event_id"],
        "reason": f"not known and managed after all: {why}",
    }


def combine(
    *,
    area: str,
    theme: str,
    year: int,
    contributions: Iterable[Mapping[str, Any]],
    ruleset_version: str,
    managed: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """A red flag if any rule contributes red, else green if any contributes green, else none.

    A red contribution about a concern the area reported in its self-assessment,
    with an action plan on track, is considered and recorded but does not flag.
    """
    managed = managed or {}
    items = sorted(contributions, key=lambda c: (c["rule_id"], c["subject"], c["body"]))
    considered = [
        _considered(c, concern) for c in items if (concern := managed_concern(c, managed))
    ]
    active = [c for c in items if not managed_concern(c, managed)]
    returned = [
        _returned(c, concern)
        for c in active
        if (concern := answering_concern(c, managed)) is not None
    ]
    reds = [c for c in active if c["flag"] == "red"]
    greens = [c for c in active if c["flag"] == "green"]
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
        "considered": considered,
        "contradicted": returned,
        "unmatched": unmatched(managed, items),
        "ruleset_version": ruleset_version,
        "narrative": narrative(theme, flag, deciding, considered, returned),
    }


def _considered(c: Mapping[str, Any], concern: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "rule_id": c["rule_id"],
        "body": c["body"],
        "subject": c["subject"],
        "evidence": list(c["evidence"]),
        "self_assessment": concern["event_id"],
        "reason": (
            f"known and managed: {c['subject']} is reported in the area's self-assessment "
            f"with an action plan on track ({plan_words(concern)}), so it is not flagged "
            "automatically while later evidence does not contradict it"
        ),
    }


def narrative(
    theme: str,
    flag: str | None,
    deciding: list[Mapping[str, Any]],
    considered: Sequence[Mapping[str, Any]] = (),
    returned: Sequence[Mapping[str, Any]] = (),
) -> str:
    """A short plain-words account of why the flag was given, or was not."""
    title = THEME_TITLES[theme]
    lines = [
        f"{title}: {flag} flag."
        if flag
        else f"{title}: no significant concern or exceptional performance found."
    ]
    lines.extend(f"Considered, not flagged: {c['reason']}." for c in considered)
    lines.extend(f"Self-assessed, flagged: {c['reason']}." for c in returned)
    for c in deciding:
        lines.append(
            f"{c['title']} ({c['rule_id']}): {c['subject']} at {c['body']} — {_figures(c)}."
        )
    return " ".join(lines)


def _figures(c: Mapping[str, Any]) -> str:
    values = c.get("values", {})
    if "quarters_worse_than_floor" in values:
        quarters = ", ".join(f"{e['period']} {e['value']}" for e in c["evidence"])
        facts = []
        if values.get("floor") is not None:
            facts.append(
                f"{values['quarters_worse_than_floor']} quarters worse than the floor of {values['floor']}"
            )
        if values.get("quarters_worsening"):
            facts.append(
                f"worse {values['quarters_worsening']} quarters running, "
                f"{values['worsening_pct']}% worse over the run"
            )
        return f"{'; '.join(facts) or 'values'} ({quarters})"
    if "upheld_per_10k_12m" in values:
        return (
            f"{values['upheld_12m']} upheld complaints, {values['upheld_per_10k_12m']} per 10,000 "
            f"residents, {values['window_start']} to {values['window_end']}"
        )
    return ", ".join(f"{k} {v}" for k, v in sorted(values.items()))
