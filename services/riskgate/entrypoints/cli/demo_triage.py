"""The demo's lines on triage and on what the framework's rules changed in the sample year:
requests the inspectorates confirmed, declined or left to be confirmed automatically;
self-assessed concerns flagged after all, or matching nothing; flags that request no
inspection because bottom-up requests come only through the call for action."""

from __future__ import annotations

from collections import Counter

from riskgate.service_layer.year_summary import YearSummary


def triage_lines(s: YearSummary) -> list[str]:
    """How the owning inspectorates triaged the risk rules' requests."""
    states = Counter(r["state"] for r in s.triage)
    order = ("confirmed", "declined", "auto_confirmed", "in_triage")
    lines = [
        f"triage of risk-triggered requests: {len(s.triage)} ("
        + ", ".join(f"{state} {states.get(state, 0)}" for state in order)
        + ")"
    ]
    for r in s.triage:
        if r["state"] in ("confirmed", "declined"):
            why = f": {r['decline_reason']}" if r["decline_reason"] else ""
            lines.append(
                f"  {r['request_id'][:8]} {r['inspectorate']} {', '.join(r['rule_ids'])} at "
                f"{r['body']}: {r['state']} by {r['by']} on {r['on']}{why}"
            )
    auto = [r for r in s.triage if r["state"] == "auto_confirmed"]
    if auto:
        first = min(auto, key=lambda r: r["on"])
        lines.append(
            f"  {len(auto)} confirmed automatically on their due day (first "
            f"{first['request_id'][:8]} {', '.join(first['rule_ids'])} at {first['body']} on "
            f"{first['on']}); {states.get('in_triage', 0)} still waiting at the year's end"
        )
    return lines


def challenge_lines(s: YearSummary) -> list[str]:
    """The flags the framework's rules changed: self-assessed concerns contradicted by later
    evidence (red after all), concerns matching nothing, and flags with no inspection."""
    lines = ["self-assessed, flagged after all (later evidence contradicts the plan):"]
    for code, per in sorted(s.judgements.items()):
        for j in per.values():
            for c in j.get("contradicted", []):
                lines.append(f"  {code} {s.area_names[code]}: {c['rule_id']} on {c['subject']}: "
                             f"{c['reason']}")  # fmt: skip
    unmatched = sum(len(j.get("unmatched", [])) for per in s.judgements.values() for j in per.values())
    lines.append(f"self-assessed concerns matching nothing the rules found: {unmatched}")
    lines.append("flagged, no inspection requested (bottom-up only through the call for action):")
    for code, per in sorted(s.judgements.items()):
        for j in per.values():
            if j["flag"] == "red" and "CMP-PARTNERS" in j["rule_ids"]:
                lines.append(f"  {code} {s.area_names[code]}: {j['theme']} (CMP-PARTNERS)")
    return lines
